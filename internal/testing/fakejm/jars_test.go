package fakejm_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// upload posts files as multipart/form-data under the field jarfile, as
// curl -F does, and returns the answer.
func (r raw) upload(files map[string]string) (int, map[string]any) {
	r.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range files {
		w, err := mw.CreateFormFile("jarfile", name)
		require.NoError(r.t, err)
		_, err = io.WriteString(w, content)
		require.NoError(r.t, err)
	}
	require.NoError(r.t, mw.Close())
	resp, err := http.Post(r.base+"/jars/upload", mw.FormDataContentType(), &body)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(r.t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

// postForm posts form fields (no files) to /jars/upload.
func (r raw) postForm(fields map[string]string) (int, map[string]any) {
	r.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(r.t, mw.WriteField(k, v))
	}
	require.NoError(r.t, mw.Close())
	resp, err := http.Post(r.base+"/jars/upload", mw.FormDataContentType(), &body)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(r.t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

// firstLine is what an error message says before its stack trace.
func firstLine(v any) string {
	s, _ := v.(string)
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func TestJarUploadRunDelete(t *testing.T) {
	c, ep := fakejm.Start(t, "v1_20")
	r := raw{t: t, base: ep.URL}

	code, body := r.upload(map[string]string{"wordcount.jar": "PK fake jar"})
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "success", body["status"])
	filename, _ := body["filename"].(string)
	assert.Regexp(t, `^/flink-data/flink-web-[0-9a-f-]{36}/flink-web-upload/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_wordcount\.jar$`, filename)
	jarID := filename[strings.LastIndex(filename, "/")+1:]
	assert.Equal(t, []fakejm.Jar{{ID: jarID, Name: "wordcount.jar", Size: len("PK fake jar")}}, c.Jars())

	const jobID = "0123456789abcdef0123456789abcdef"
	code, body = r.do(http.MethodPost, "/jars/"+jarID+"/run",
		`{"entryClass":"org.example.WordCount","programArgsList":["--in","x"],"parallelism":3,"jobId":"`+jobID+`","savepointPath":"s3://b/sp-1","allowNonRestoredState":true,"claimMode":"NO_CLAIM","flinkConfiguration":{"pipeline.name":"wc"}}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, map[string]any{"jobid": jobID}, body)
	_, job := r.get("/jobs/" + jobID)
	assert.Equal(t, "RUNNING", job["state"])
	_, cps := r.get("/jobs/" + jobID + "/checkpoints")
	assert.Equal(t, "s3://b/sp-1", nested(cps, "latest", "restored", "external_path"), "restored from the savepoint path")

	// The same id again is the dispatcher's duplicate, also once the job
	// has ended.
	require.NoError(t, c.SetJobState(jobID, "CANCELED"))
	code, body = r.do(http.MethodPost, "/jars/"+jarID+"/run", `{"jobId":"`+jobID+`"}`)
	assert.Equal(t, http.StatusBadRequest, code)
	require.Len(t, errorsOf(body), 1)
	assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.", firstLine(errorsOf(body)[0]))
	assert.Contains(t, errorsOf(body)[0], "Caused by: org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.")

	// Without an id Flink picks one.
	code, body = r.do(http.MethodPost, "/jars/"+jarID+"/run", "")
	require.Equal(t, http.StatusOK, code)
	assert.Regexp(t, "^[0-9a-f]{32}$", body["jobid"])
	assert.NotEqual(t, jobID, body["jobid"])

	code, body = r.do(http.MethodDelete, "/jars/"+jarID, "")
	assert.Equal(t, http.StatusOK, code)
	assert.Empty(t, body)
	assert.Empty(t, c.Jars())
	dir := filename[:strings.LastIndex(filename, "/")]
	code, body = r.do(http.MethodDelete, "/jars/"+jarID, "")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: File "+jarID+" does not exist in "+dir+".", firstLine(errorsOf(body)[0]))
	code, body = r.do(http.MethodPost, "/jars/"+jarID+"/run", `{}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	require.Len(t, errorsOf(body), 2)
	assert.Equal(t, "Internal server error.", errorsOf(body)[0])
	assert.Contains(t, errorsOf(body)[1], "RestHandlerException: Jar file "+filename+" does not exist\n")

	counters := c.Counters()
	assert.Equal(t, 1, counters.JarUploads)
	assert.Equal(t, 2, counters.JarRuns)
	assert.Equal(t, 1, counters.JarDeletes)
}

func TestJarUploadRefusals(t *testing.T) {
	_, ep := fakejm.Start(t, "v2_2")
	r := raw{t: t, base: ep.URL}
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"no file":   {nil, "Exactly 1 file must be sent, received 0."},
		"two files": {map[string]string{"a.jar": "a", "b.jar": "b"}, "Exactly 1 file must be sent, received 2."},
		"not a jar": {map[string]string{"job.zip": "z"}, "Only Jar files are allowed."},
	} {
		code, body := r.upload(tc.files)
		assert.Equal(t, http.StatusBadRequest, code, name)
		assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: "+tc.want, firstLine(errorsOf(body)[0]), name)
	}
	code, body := r.postForm(map[string]string{"note": "x"})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, []any{"Received unknown attribute note."}, errorsOf(body), "a form field, not a file")
	code, body = r.do(http.MethodPost, "/jars/upload", `{"jarfile":"x"}`)
	assert.Equal(t, http.StatusBadRequest, code, "a JSON body holds no file")
	assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: Exactly 1 file must be sent, received 0.", firstLine(errorsOf(body)[0]))
}

// The run body is parsed as the savepoint bodies are: each version knows
// only its own fields, and refuses (up to 1.19) or ignores (from 1.20) the
// others.
func TestJarRunStrictParsingPerVersion(t *testing.T) {
	const format = "Request did not match expected format JarRunRequestBody."
	cases := []struct {
		version, body string
		ok            bool
	}{
		{"v1_13", `{"programArgs":"--a b","parallelism":2}`, true},
		{"v1_13", `{"restoreMode":"CLAIM"}`, false},
		{"v1_15", `{"restoreMode":"CLAIM"}`, true},
		{"v1_15", `{"restoreMode":"SOMETIMES"}`, false},
		{"v1_16", `{"flinkConfiguration":{"a":"b"}}`, false},
		{"v1_17", `{"flinkConfiguration":{"a":"b"}}`, true},
		{"v1_19", `{"claimMode":"CLAIM"}`, false},
		{"v1_20", `{"claimMode":"CLAIM","restoreMode":"CLAIM"}`, true},
		{"v2_3", `{"programArgsList":["--a","b"],"claimMode":"NO_CLAIM"}`, true},
		// From 1.20 unknown fields are ignored (real Flink 1.20.5, 2.2.1
		// and 2.3.0), so a misspelt or removed field runs the job
		// without it.
		{"v1_20", `{"entryclass":"x"}`, true},
		{"v2_0", `{"programArgs":"--a b"}`, true},
		{"v2_3", `{"entryclass":"x"}`, true},
	}
	for _, tc := range cases {
		_, ep := fakejm.Start(t, tc.version)
		r := raw{t: t, base: ep.URL}
		_, up := r.upload(map[string]string{"job.jar": "x"})
		filename, _ := up["filename"].(string)
		code, body := r.do(http.MethodPost, "/jars/"+filename[strings.LastIndex(filename, "/")+1:]+"/run", tc.body)
		if tc.ok {
			assert.Equal(t, http.StatusOK, code, "%s %s: %v", tc.version, tc.body, body)
		} else {
			assert.Equal(t, http.StatusBadRequest, code, "%s %s", tc.version, tc.body)
			assert.Equal(t, []any{format}, errorsOf(body), "%s %s", tc.version, tc.body)
		}
	}
	// A malformed value is refused on 2.x too, with the RestHandlerException
	// real Flink 2.2.1 sends.
	for _, b := range []string{`{"jobId":"not-an-id"}`, `{"claimMode":"SOMETIMES"}`} {
		_, ep := fakejm.Start(t, "v2_2")
		r := raw{t: t, base: ep.URL}
		_, up := r.upload(map[string]string{"job.jar": "x"})
		filename, _ := up["filename"].(string)
		code, body := r.do(http.MethodPost, "/jars/"+filename[strings.LastIndex(filename, "/")+1:]+"/run", b)
		assert.Equal(t, http.StatusBadRequest, code, b)
		assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: "+format, firstLine(errorsOf(body)[0]), b)
	}
	// Both forms of the arguments at once is Flink's "confusing request".
	_, ep := fakejm.Start(t, "v1_20")
	r := raw{t: t, base: ep.URL}
	_, up := r.upload(map[string]string{"job.jar": "x"})
	filename, _ := up["filename"].(string)
	code, body := r.do(http.MethodPost, "/jars/"+filename[strings.LastIndex(filename, "/")+1:]+"/run", `{"programArgs":"--a","programArgsList":["--b"]}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: Confusing request: programArgs and programArgsList are specified, please, use only programArgsList", firstLine(errorsOf(body)[0]))
}

// Real 2.3.0 names the application beside the job in a jar run's answer;
// 2.2.1 does not.
func TestJarRunAnswerNamesTheApplicationFrom23(t *testing.T) {
	const jobID = "0123456789abcdef0123456789abcdef"
	for version, want := range map[string]map[string]any{
		"v2_2": {"jobid": jobID},
		"v2_3": {"jobid": jobID, "applicationId": jobID},
	} {
		_, ep := fakejm.Start(t, version)
		r := raw{t: t, base: ep.URL}
		_, up := r.upload(map[string]string{"job.jar": "x"})
		filename, _ := up["filename"].(string)
		code, body := r.do(http.MethodPost, "/jars/"+filename[strings.LastIndex(filename, "/")+1:]+"/run", `{"jobId":"`+jobID+`"}`)
		require.Equal(t, http.StatusOK, code, version)
		assert.Equal(t, want, body, version)
	}
}
