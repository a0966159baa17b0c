package fakejm

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// jarStore is the JobManager's folder of uploaded jars. Guarded by
// Cluster.mu.
type jarStore struct {
	// dir stands for the folder real Flink stores uploads in
	// (<web.tmpdir>/flink-web-<uuid>/flink-web-upload); the fake roots it in
	// /flink-data, as the captures in testdata/real do for machine paths.
	// Chosen at the first upload, so clusters that never see one draw no
	// random numbers for it.
	dir   string
	byID  map[string]*jar
	order []string
}

type jar struct {
	id, name string
	size     int
	uploaded int64
	// entries are the entry classes its manifest names (jarEntries).
	entries []string
}

// Jar is an uploaded jar as Jars reports it.
type Jar struct {
	// ID is the jar id (<uuid>_<name>), the :jarid of /jars/:jarid.
	ID string
	// Name is the file name it was uploaded under.
	Name string
	// Size in bytes.
	Size int
}

// Jars lists the jars the cluster holds, oldest first (GET /jars answers
// newest first).
func (c *Cluster) Jars() []Jar {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Jar, 0, len(c.jars.order))
	for _, id := range c.jars.order {
		j := c.jars.byID[id]
		out = append(out, Jar{ID: j.id, Name: j.name, Size: j.size})
	}
	return out
}

// uuid returns a random UUID in Flink's (Java's) text form. Callers hold mu.
func (c *Cluster) uuid() string {
	h := c.hexID(32)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// AddJar stores content as if it had been uploaded through /jars/upload
// under name, and returns its jar id (<uuid>_<name>). It is for tests that
// need a jar on the JobManager without sending it, such as one left
// behind by an operator's crash; it counts no upload. The name is not
// checked.
func (c *Cluster) AddJar(name string, content []byte) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.storeJar(name, content).id
}

// storeJar keeps an upload and returns its id. Callers hold mu.
func (c *Cluster) storeJar(name string, content []byte) *jar {
	if c.jars.dir == "" {
		c.jars.dir = "/flink-data/flink-web-" + c.uuid() + "/flink-web-upload"
		c.jars.byID = map[string]*jar{}
	}
	j := &jar{id: c.uuid() + "_" + name, name: name, size: len(content), uploaded: c.nowMillis(), entries: jarEntries(content)}
	c.jars.byID[j.id] = j
	c.jars.order = append(c.jars.order, j.id)
	return j
}

// listJars is the jars newest first, as real Flink lists them (by the
// file's modification time, newest first; seen on 1.20.5, 2.2.1 and
// 2.3.0). Jars uploaded in the same millisecond come newest upload first.
// Callers hold mu.
func (c *Cluster) listJars() []*jar {
	out := make([]*jar, 0, len(c.jars.order))
	for i := len(c.jars.order) - 1; i >= 0; i-- {
		out = append(out, c.jars.byID[c.jars.order[i]])
	}
	slices.SortStableFunc(out, func(a, b *jar) int { return cmp.Compare(b.uploaded, a.uploaded) })
	return out
}

// jarEntries are the entry classes GET /jars lists for a jar: its
// manifest's program-class, or else its Main-Class, split at commas, as
// Flink's JarListHandler reads them. Flink then keeps only the classes
// it can load from the jar, which the fake cannot; content that is not a
// zip, or has no manifest, lists none (as real 1.20.5, 2.2.1 and 2.3.0 did
// for a file that was not a jar).
func jarEntries(content []byte) []string {
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return nil
	}
	f, err := zr.Open("META-INF/MANIFEST.MF")
	if err != nil {
		return nil
	}
	defer f.Close()
	attrs := manifestMain(f)
	value, ok := attrs["program-class"]
	if !ok {
		value = attrs["main-class"]
	}
	var out []string
	for cls := range strings.SplitSeq(value, ",") {
		if cls = strings.TrimSpace(cls); cls != "" {
			out = append(out, cls)
		}
	}
	return out
}

// manifestMain reads a manifest's main section: attribute names in lower
// case (they are case-insensitive), continuation lines (which start with
// a space) joined.
func manifestMain(r io.Reader) map[string]string {
	attrs := map[string]string{}
	var last string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case line == "":
			return attrs // the end of the main section
		case strings.HasPrefix(line, " ") && last != "":
			attrs[last] += line[1:]
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = strings.ToLower(name)
			attrs[last] = strings.TrimPrefix(value, " ")
		}
	}
	return attrs
}

// jarDir is the upload folder as Flink names it in messages. Callers hold mu.
func (c *Cluster) jarDir() string {
	if c.jars.dir == "" {
		// Unverified: real Flink creates the folder at start; its name is
		// random either way.
		return "/flink-data/flink-web-upload"
	}
	return c.jars.dir
}

// deleteJar removes a jar; it reports whether the cluster held it.
// Callers hold mu.
func (c *Cluster) deleteJar(id string) bool {
	if _, ok := c.jars.byID[id]; !ok {
		return false
	}
	delete(c.jars.byID, id)
	c.jars.order = slices.DeleteFunc(c.jars.order, func(s string) bool { return s == id })
	return true
}

// restHandlerError is the body text of Flink's RestHandlerException
// answers: the exception's stack trace, whose first line carries the
// message.
func restHandlerError(msg string, causes ...string) string {
	s := stackTrace("org.apache.flink.runtime.rest.handler.RestHandlerException", msg)
	var b strings.Builder
	b.WriteString(s)
	for _, c := range causes {
		b.WriteString("Caused by: " + c + "\n\tat org.apache.flink.fakejm(fakejm.java:1)\n")
	}
	return b.String()
}
