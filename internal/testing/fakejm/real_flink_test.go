package fakejm_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// These tests replay, against the fake, the REST calls that were made to
// real Flink clusters (testdata/real, see its README), and require the same
// status codes, the same JSON shape and the same error texts. They are how
// the fake stays true to what real Flink returns.

type capturedRequest struct {
	Name    string          `json:"name"`
	Method  string          `json:"method"`
	Path    string          `json:"path"`
	Request json.RawMessage `json:"request"`
	Status  int             `json:"status"`
}

type capture struct {
	FlinkVersion string            `json:"flink-version"`
	Requests     []capturedRequest `json:"requests"`
}

// fakeVersion maps a release (2.2.1) to its flinkVersion (v2_2).
func fakeVersion(release string) string {
	parts := strings.Split(release, ".")
	return "v" + parts[0] + "_" + parts[1]
}

var hexID = regexp.MustCompile(`[0-9a-f]{32}`)

// onlyWithRealFlink lists the keys real Flink sends that the fake leaves out
// on purpose, by JSON path. Nothing in the operator reads them.
var onlyWithRealFlink = []string{
	".plan", // the job graph as Flink plans it: the fake has no operators
	".operation.failure-cause.serialized-throwable", // checked apart: Java serialization, not reproducible
}

func TestFakeAnswersAsRealFlinkDid(t *testing.T) {
	dirs, err := filepath.Glob("testdata/real/*/_requests.json")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		dir = filepath.Dir(dir)
		data, err := os.ReadFile(filepath.Join(dir, "_requests.json"))
		require.NoError(t, err)
		var capt capture
		require.NoError(t, json.Unmarshal(data, &capt))
		t.Run(capt.FlinkVersion, func(t *testing.T) { replay(t, dir, capt) })
	}
}

// replay sends each captured request to a fake cluster of the same version,
// in the captured order, and compares the answers with real Flink's.
func replay(t *testing.T, dir string, capt capture) {
	// Real Flink had a default savepoint directory configured.
	c, ep := fakejm.Start(t, fakeVersion(capt.FlinkVersion), fakejm.WithDefaultSavepointDir("file:///flink-data/savepoints"))
	r := raw{t: t, base: ep.URL}
	// Real Flink's ids mean the same thing on the fake: its job gets the
	// captured id, and each trigger id the fake hands out stands for the
	// captured one.
	ids := map[string]string{}
	started := map[string]bool{}
	var lastSavepoint string
	for _, req := range capt.Requests {
		path := hexID.ReplaceAllStringFunc(req.Path, func(id string) string {
			if fake, ok := ids[id]; ok {
				return fake
			}
			return id
		})
		if jobID := jobOf(req.Path); jobID != "" && !started[jobID] && req.Status != 404 && !strings.Contains(req.Name, "unknown") {
			started[jobID] = true
			spec := fakejm.JobSpec{ID: jobID, Name: "keyed-counter", Parallelism: 1, RestoredFrom: lastSavepoint}
			_, err := c.AddJob(spec)
			require.NoError(t, err)
			_, err = c.AddCheckpoint(jobID, fakejm.CheckpointSpec{})
			require.NoError(t, err)
			// Real Flink's first poll found the stop still in progress.
			c.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 1})
		}
		body := ""
		if len(req.Request) > 0 && string(req.Request) != "null" {
			body = string(req.Request)
		}
		code, got := r.do(req.Method, path, body)
		want := readJSON(t, filepath.Join(dir, req.Name+".json"))
		name := fmt.Sprintf("%s %s (%s)", req.Method, req.Path, req.Name)
		require.Equal(t, req.Status, code, name)
		if realID, ok := want["request-id"].(string); ok {
			ids[realID] = got["request-id"].(string)
		}
		if loc, ok := nested(got, "operation", "location").(string); ok {
			lastSavepoint = loc
		}
		assert.Empty(t, shapeDiff(shapeOf(want), shapeOf(got)), "JSON shape of %s: - real Flink only, + fake only", name)
		assert.Equal(t, firstLines(want), firstLines(got), "error texts of %s", name)
	}
}

func jobOf(path string) string {
	if rest, ok := strings.CutPrefix(path, "/jobs/"); ok {
		if id := strings.Split(rest, "/")[0]; hexID.MatchString(id) {
			return id
		}
	}
	return ""
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m), path)
	return m
}

func nested(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// shapeOf lists every JSON path of v with the kind of value found there.
// Array elements share the path "[]": their shapes are merged.
func shapeOf(v any) map[string]string {
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			out[path] = "object"
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			out[path] = "array"
			for _, e := range v {
				walk(path+"[]", e)
			}
		case nil:
			out[path] = "null"
		case string:
			out[path] = "string"
		case bool:
			out[path] = "bool"
		case float64:
			out[path] = "number"
		}
	}
	walk("", v)
	return out
}

// shapeDiff lists the paths whose presence or kind differ. A null on either
// side matches any kind, and nothing is compared below a path that is null,
// or an empty array, on either side: those depend on the moment, not on the
// format.
func shapeDiff(real, fake map[string]string) []string {
	comparable := func(path string) bool {
		for _, p := range onlyWithRealFlink {
			if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[]") {
				return false
			}
		}
		for prefix := path; prefix != ""; {
			i := strings.LastIndexAny(prefix, ".[")
			if i < 0 {
				break
			}
			parent := prefix[:i]
			if real[parent] == "null" || fake[parent] == "null" {
				return false
			}
			if strings.HasPrefix(prefix[i:], "[]") && (!hasChild(real, parent+"[]") || !hasChild(fake, parent+"[]")) {
				return false
			}
			prefix = parent
		}
		return true
	}
	var diff []string
	for p, kind := range real {
		if !comparable(p) {
			continue
		}
		switch other, ok := fake[p]; {
		case !ok:
			diff = append(diff, "- "+p+" "+kind)
		case other != kind && other != "null" && kind != "null":
			diff = append(diff, fmt.Sprintf("~ %s real %s, fake %s", p, kind, other))
		}
	}
	for p, kind := range fake {
		if _, ok := real[p]; !ok && comparable(p) {
			diff = append(diff, "+ "+p+" "+kind)
		}
	}
	return diff
}

func hasChild(shape map[string]string, prefix string) bool {
	for p := range shape {
		if p == prefix || strings.HasPrefix(p, prefix+".") || strings.HasPrefix(p, prefix+"[]") {
			return true
		}
	}
	return false
}

// firstLines is what the operator can read of a failure: each error
// message and each failure-cause's first stack-trace line, with ids
// blanked, since the fake's ids are its own.
func firstLines(m map[string]any) []string {
	var out []string
	norm := func(s string) string {
		first, _, _ := strings.Cut(s, "\n")
		return hexID.ReplaceAllString(first, "<id>")
	}
	for _, e := range asSlice(m["errors"]) {
		s, _ := e.(string)
		out = append(out, norm(s))
	}
	if cause, ok := nested(m, "operation", "failure-cause").(map[string]any); ok {
		trace, _ := cause["stack-trace"].(string)
		out = append(out, fmt.Sprint(cause["class"]), norm(trace))
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
