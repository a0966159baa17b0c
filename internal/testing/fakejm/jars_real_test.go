package fakejm_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// jarCapture is testdata/real/2.2.1/jars.json: what a real Flink 2.2.1
// session JobManager answered to the session-job calls (see the README
// there). Unlike _requests.json it keeps the request's kind, since an
// upload is multipart, and every "Caused by:" line of an error, since the
// duplicate job shows only there.
type jarCapture struct {
	FlinkVersion string `json:"flink-version"`
	Requests     []struct {
		Name    string          `json:"name"`
		Method  string          `json:"method"`
		Path    string          `json:"path"`
		Kind    string          `json:"kind"`
		Request json.RawMessage `json:"request"`
		Status  int             `json:"status"`
		Answer  map[string]any  `json:"answer"`
	} `json:"requests"`
}

// realOnly are captured calls the fake does not reproduce, and why.
var realOnly = map[string]string{
	// The fake runs no user code, so it cannot miss an entry class.
	"run-missing-entry-class": "a main class that is not in the jar",
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestFakeJarsAnswerAsRealFlinkDid replays the capture on a fake of the
// same version and requires the same status codes, JSON shapes, and error
// texts: each message's first line and its "Caused by:" lines, with ids
// blanked.
func TestFakeJarsAnswerAsRealFlinkDid(t *testing.T) {
	data, err := os.ReadFile("testdata/real/2.2.1/jars.json")
	require.NoError(t, err)
	var capt jarCapture
	require.NoError(t, json.Unmarshal(data, &capt))
	require.NotEmpty(t, capt.Requests)
	_, ep := fakejm.Start(t, fakeVersion(capt.FlinkVersion))
	r := raw{t: t, base: ep.URL}
	jarIDs := map[string]string{} // real jar id -> the fake's
	replayed := 0
	for _, req := range capt.Requests {
		if _, skip := realOnly[req.Name]; skip {
			continue
		}
		path := req.Path
		for realID, fakeID := range jarIDs {
			path = strings.ReplaceAll(path, realID, fakeID)
		}
		var code int
		var got map[string]any
		switch req.Kind {
		case "multipart":
			var parts struct{ Files, Fields []string }
			require.NoError(t, json.Unmarshal(req.Request, &parts))
			if len(parts.Fields) > 0 {
				fields := map[string]string{}
				for _, f := range parts.Fields {
					fields[f] = "x"
				}
				code, got = r.postForm(fields)
			} else {
				files := map[string]string{}
				for _, f := range parts.Files {
					files[f] = "PK"
				}
				code, got = r.upload(files)
			}
		default:
			body := ""
			if len(req.Request) > 0 && string(req.Request) != "null" {
				body = string(req.Request)
			}
			code, got = r.do(req.Method, path, body)
			if req.Method == http.MethodPatch {
				// Flink cancels in the background; let the fake's cancel
				// finish before the next call, as the capture waited.
				r.get(path[:strings.Index(path, "?")])
				r.get(path[:strings.Index(path, "?")])
			}
		}
		name := fmt.Sprintf("%s %s (%s)", req.Method, req.Path, req.Name)
		require.Equal(t, req.Status, code, "%s: %v", name, got)
		if realFile, ok := req.Answer["filename"].(string); ok {
			fakeFile, _ := got["filename"].(string)
			jarIDs[realFile[strings.LastIndex(realFile, "/")+1:]] = fakeFile[strings.LastIndex(fakeFile, "/")+1:]
			assert.Equal(t, uuidRE.ReplaceAllString(realFile, "<uuid>"), uuidRE.ReplaceAllString(fakeFile, "<uuid>"), "upload path of %s", name)
		}
		assert.Empty(t, shapeDiff(shapeOf(req.Answer), shapeOf(got)), "JSON shape of %s: - real Flink only, + fake only", name)
		assert.Equal(t, errorLines(req.Answer), errorLines(got), "error texts of %s", name)
		replayed++
	}
	assert.Equal(t, len(capt.Requests)-len(realOnly), replayed)
}

// errorLines is each error message's first line and its "Caused by:"
// lines, with uuids and ids blanked; the causes of a malformed request are
// left out: they are Jackson's parse details, which nothing reads.
func errorLines(m map[string]any) []string {
	var out []string
	norm := func(s string) string { return hexID.ReplaceAllString(uuidRE.ReplaceAllString(s, "<uuid>"), "<id>") }
	for _, e := range asSlice(m["errors"]) {
		s, _ := e.(string)
		lines := strings.Split(s, "\n")
		out = append(out, norm(lines[0]))
		if strings.Contains(lines[0], "Request did not match expected format") {
			continue
		}
		for i, line := range lines[1:] {
			// The second line of a server-side exception names it.
			if strings.HasPrefix(line, "Caused by:") || (i == 0 && strings.HasPrefix(line, "java.")) {
				out = append(out, norm(line))
			}
		}
	}
	return out
}
