package fakejm

import (
	"fmt"
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

// Jars lists the jars the cluster holds, oldest first.
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

// storeJar keeps an upload and returns its id. Callers hold mu.
func (c *Cluster) storeJar(name string, size int) *jar {
	if c.jars.dir == "" {
		c.jars.dir = "/flink-data/flink-web-" + c.uuid() + "/flink-web-upload"
		c.jars.byID = map[string]*jar{}
	}
	j := &jar{id: c.uuid() + "_" + name, name: name, size: size, uploaded: c.nowMillis()}
	c.jars.byID[j.id] = j
	c.jars.order = append(c.jars.order, j.id)
	return j
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
