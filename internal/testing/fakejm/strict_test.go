package fakejm_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStrictParsingPerVersion(t *testing.T) {
	const tid = `"0123456789abcdef0123456789abcdef"`
	const spFormat = "Request did not match expected format SavepointTriggerRequestBody."
	const stopFormat = "Request did not match expected format StopWithSavepointRequestBody."
	cases := []struct {
		version, path, body string
		wantCode            int
		wantMsg             string
	}{
		{"v1_13", "savepoints", `{"target-directory":"/sp","formatType":"CANONICAL"}`, 400, spFormat},
		{"v1_14", "savepoints", `{"target-directory":"/sp","triggerId":` + tid + `}`, 400, spFormat},
		{"v1_13", "stop", `{"targetDirectory":"/sp","triggerId":` + tid + `}`, 400, stopFormat},
		{"v1_13", "savepoints", `{"target-directory":"/sp","cancel-job":false}`, 202, ""},
		{"v1_15", "savepoints", `{"target-directory":"/sp","formatType":"NATIVE","triggerId":` + tid + `}`, 202, ""},
		{"v1_15", "savepoints", `{"target-directory":"/sp","formatType":"FAST"}`, 400, spFormat},
		{"v1_15", "savepoints", `{"target-directory":"/sp","triggerId":"xyz"}`, 400, spFormat},
		{"v1_20", "savepoints", `{"target-directory":"/sp","bogus":1}`, 400, spFormat},
		{"v1_20", "savepoints", `{"Target-Directory":"/sp"}`, 400, spFormat},
		{"v1_20", "savepoints", `{"target-directory":"/sp","cancel-job":"maybe"}`, 400, spFormat},
		{"v1_20", "savepoints", `[1]`, 400, spFormat},
		{"v1_20", "stop", `{"target-directory":"/sp"}`, 400, stopFormat},
		{"v1_20", "stop", `{"targetDirectory":"/sp","drain":true,"formatType":"CANONICAL"}`, 202, ""},
		{"v2_1", "stop", `{"targetDirectory":"/sp","drain":true,"formatType":"CANONICAL","triggerId":` + tid + `}`, 202, ""},
	}
	for _, tc := range cases {
		_, r, id := start(t, tc.version)
		code, body := r.do(http.MethodPost, "/jobs/"+id+"/"+tc.path, tc.body)
		assert.Equal(t, tc.wantCode, code, "%s %s %s", tc.version, tc.path, tc.body)
		if tc.wantMsg != "" {
			assert.Equal(t, []any{tc.wantMsg}, errorsOf(body), "%s %s", tc.version, tc.body)
		} else {
			assert.Regexp(t, "^[0-9a-f]{32}$", body["request-id"])
		}
	}
}

func TestMissingTargetDirectory(t *testing.T) {
	_, r, id := start(t, "v1_19")
	code, body := r.do(http.MethodPost, "/jobs/"+id+"/savepoints", "")
	assert.Equal(t, http.StatusBadRequest, code, "an empty body counts as {}")
	assert.Equal(t, []any{"Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided."}, errorsOf(body))

	_, r, id = start(t, "v2_1")
	_, body = r.do(http.MethodPost, "/jobs/"+id+"/stop", `{"drain":false}`)
	assert.Equal(t, []any{"Config key [execution.checkpointing.savepoint-dir] is not set. Property [targetDirectory] must be provided."}, errorsOf(body))
}

func TestCancelModes(t *testing.T) {
	_, r, id := start(t, "v1_20")
	code, body := r.do(http.MethodPatch, "/jobs/"+id+"?mode=stop", "")
	assert.Equal(t, http.StatusPermanentRedirect, code)
	assert.Contains(t, errorsOf(body)[0], `"stop" has been removed`)
	code, _ = r.do(http.MethodPatch, "/jobs/"+id+"?mode=cancel", `{"x":1}`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, body = r.do(http.MethodPatch, "/jobs/"+id, "")
	assert.Equal(t, http.StatusAccepted, code, "mode defaults to cancel")
	assert.Empty(t, body)
}
