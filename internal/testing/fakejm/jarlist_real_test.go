package fakejm_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// keyedCounterClass is the entry class of the project's test job, which
// the captures uploaded.
const keyedCounterClass = "io.github.flinkops.testjob.KeyedCounter"

// testJar is a jar whose manifest holds the given main attributes, in
// the order given (name, value, name, value...).
func testJar(t *testing.T, attrs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	require.NoError(t, err)
	manifest := "Manifest-Version: 1.0\r\n"
	for i := 0; i+1 < len(attrs); i += 2 {
		manifest += attrs[i] + ": " + attrs[i+1] + "\r\n"
	}
	_, err = w.Write([]byte(manifest + "\r\n"))
	require.NoError(t, err)
	_, err = zw.Create("io/github/flinkops/testjob/KeyedCounter.class")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// TestFakeJarListAnswersAsRealFlinkDid replays testdata/real/*/jars-list.json
// (see the README there) on a fake of each version: four uploads (two
// under the same name, one of a file that is not a jar), GET /jars,
// a delete, GET /jars again. Besides the status codes, JSON shapes and
// error texts, the listings must name the same jars, in the same order
// (newest first), with the same entry classes, and each id must be
// <uuid>_<name>.
func TestFakeJarListAnswersAsRealFlinkDid(t *testing.T) {
	for _, release := range []string{"1.20.5", "2.2.1", "2.3.0"} {
		t.Run(release, func(t *testing.T) {
			data, err := os.ReadFile("testdata/real/" + release + "/jars-list.json")
			require.NoError(t, err)
			var capt jarCapture
			require.NoError(t, json.Unmarshal(data, &capt))
			require.Equal(t, release, capt.FlinkVersion)
			// A clock that moves on between uploads, as the capture
			// waited a second between them.
			now := time.UnixMilli(1796600050850)
			_, ep := fakejm.Start(t, fakeVersion(release), fakejm.WithClock(func() time.Time {
				now = now.Add(1234 * time.Millisecond)
				return now
			}))
			r := raw{t: t, base: ep.URL}
			jarIDs := map[string]string{} // real jar id -> the fake's
			lists := 0
			for _, req := range capt.Requests {
				path := req.Path
				for realID, fakeID := range jarIDs {
					path = strings.ReplaceAll(path, realID, fakeID)
				}
				var code int
				var got map[string]any
				if req.Kind == "multipart" {
					var parts struct{ Files []string }
					require.NoError(t, json.Unmarshal(req.Request, &parts))
					require.Len(t, parts.Files, 1)
					content := string(testJar(t, "Main-Class", keyedCounterClass))
					if req.Name == "upload-not-a-jar" {
						content = "PK not a jar"
					}
					code, got = r.upload(map[string]string{parts.Files[0]: content})
				} else {
					code, got = r.do(req.Method, path, "")
				}
				name := fmt.Sprintf("%s %s (%s)", req.Method, req.Path, req.Name)
				require.Equal(t, req.Status, code, "%s: %v", name, got)
				if realFile, ok := req.Answer["filename"].(string); ok {
					fakeFile, _ := got["filename"].(string)
					jarIDs[realFile[strings.LastIndex(realFile, "/")+1:]] = fakeFile[strings.LastIndex(fakeFile, "/")+1:]
				}
				assert.Empty(t, shapeDiff(shapeOf(req.Answer), shapeOf(got)), "JSON shape of %s: - real Flink only, + fake only", name)
				assert.Equal(t, errorLines(req.Answer), errorLines(got), "error texts of %s", name)
				if req.Method == "GET" {
					lists++
					assert.Equal(t, listed(t, req.Answer, jarIDs), listed(t, got, nil), "the jars %s lists", name)
					assert.Equal(t, ep.URL, got["address"], "the address the REST API is served at")
				}
			}
			assert.Equal(t, 3, lists)
		})
	}
}

// listed is a GET /jars answer as "id name entry,entry" lines, in order,
// with the real ids mapped to the fake's; it checks each id is
// <uuid>_<name> and that the list is newest first.
func listed(t *testing.T, answer map[string]any, ids map[string]string) []string {
	t.Helper()
	var out []string
	last := float64(-1)
	for _, f := range asSlice(answer["files"]) {
		m, _ := f.(map[string]any)
		id, _ := m["id"].(string)
		name, _ := m["name"].(string)
		uploaded, _ := m["uploaded"].(float64)
		assert.Regexp(t, "^"+uuidRE.String()+"_"+regexp.QuoteMeta(name)+"$", id)
		if last >= 0 {
			assert.LessOrEqual(t, uploaded, last, "newest first")
		}
		last = uploaded
		if mapped, ok := ids[id]; ok {
			id = mapped
		}
		var entries []string
		for _, e := range asSlice(m["entry"]) {
			em, _ := e.(map[string]any)
			entries = append(entries, fmt.Sprint(em["name"], "/", em["description"]))
		}
		out = append(out, id+" "+name+" "+strings.Join(entries, ","))
	}
	return out
}

// The entry classes come from the manifest: program-class before
// Main-Class, split at commas, continuation lines joined; a jar without a
// manifest, or a file that is not a zip, lists none.
func TestJarListEntries(t *testing.T) {
	c, ep := fakejm.Start(t, "v2_2")
	r := raw{t: t, base: ep.URL}
	long := "org.example.a.very.long.package.name.that.goes.past.the.manifest.line.limit.Main"
	c.AddJar("main.jar", testJar(t, "Main-Class", "org.example.Main"))
	c.AddJar("program.jar", testJar(t, "Main-Class", "org.example.Main", "program-class", "org.example.A, org.example.B"))
	c.AddJar("long.jar", testJar(t, "Main-Class", long[:60]+"\r\n "+long[60:]))
	c.AddJar("none.jar", testJar(t))
	c.AddJar("text.jar", []byte("not a zip"))
	code, got := r.get("/jars")
	require.Equal(t, 200, code)
	entries := map[string][]string{}
	var order []string
	for _, f := range asSlice(got["files"]) {
		m, _ := f.(map[string]any)
		name, _ := m["name"].(string)
		order = append(order, name)
		entries[name] = []string{}
		for _, e := range asSlice(m["entry"]) {
			em, _ := e.(map[string]any)
			entries[name] = append(entries[name], em["name"].(string))
			assert.Nil(t, em["description"])
		}
	}
	assert.Equal(t, []string{"text.jar", "none.jar", "long.jar", "program.jar", "main.jar"}, order, "newest first")
	assert.Equal(t, map[string][]string{
		"main.jar": {"org.example.Main"}, "program.jar": {"org.example.A", "org.example.B"},
		"long.jar": {long}, "none.jar": {}, "text.jar": {},
	}, entries)
	assert.Len(t, c.Jars(), 5)
	assert.Zero(t, c.Counters().JarUploads, "AddJar is no upload")
}
