package fakejm_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Up to 1.19 the fake refuses a body field the version does not know, as
// flink-facts.md says of Flink's strict mapper (FLINK-10520); these rows are
// not checked against a real JobManager of those versions.
func TestStrictParsingBefore120(t *testing.T) {
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
		{"v1_19", "savepoints", `{"target-directory":"/sp","bogus":1}`, 400, spFormat},
		{"v1_19", "savepoints", `{"Target-Directory":"/sp"}`, 400, spFormat},
		{"v1_19", "stop", `{"target-directory":"/sp"}`, 400, stopFormat},
		{"v1_19", "stop", `{"targetDirectory":"/sp","drain":true,"formatType":"CANONICAL"}`, 202, ""},
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

// From 1.20 Flink parses request bodies with its flexible mapper. Every row
// is what real Flink 1.20.5, 2.2.1 and 2.3.0 session JobManagers answered
// (local JVMs, no default savepoint directory, a job waiting for slots), and
// the three agreed on every row. An error's first line is a
// RestHandlerException; a stack trace follows it.
func TestFlexibleParsingFrom120(t *testing.T) {
	const (
		handler    = "org.apache.flink.runtime.rest.handler.RestHandlerException: "
		spFormat   = handler + "Request did not match expected format SavepointTriggerRequestBody."
		stopFormat = handler + "Request did not match expected format StopWithSavepointRequestBody."
		noSpDir    = handler + "Config key [execution.checkpointing.savepoint-dir] is not set. Property [%s] must be provided."
	)
	cases := []struct {
		method, path, body string
		wantCode           int
		wantFirstLine      string
		wantIgnored        []string
	}{
		// An unknown field is ignored.
		{"POST", "/savepoints", `{"target-directory":"/sp","bogus":1}`, 202, "", []string{`"bogus"`}},
		{"POST", "/stop", `{"targetDirectory":"/sp","bogus":true}`, 202, "", []string{`"bogus"`}},
		{"PATCH", "?mode=cancel", `{"x":1}`, 202, "", []string{`"x"`}},
		// So is a known field in another case or the other body's spelling,
		// which then leaves the target directory unset.
		{"POST", "/savepoints", `{"Target-Directory":"/sp"}`, 400, fmt.Sprintf(noSpDir, "target-directory"), []string{`"Target-Directory"`}},
		{"POST", "/stop", `{"target-directory":"/sp"}`, 400, fmt.Sprintf(noSpDir, "targetDirectory"), []string{`"target-directory"`}},
		// A wrong type or malformed JSON is still refused.
		{"POST", "/savepoints", `{"target-directory":"/sp","cancel-job":"maybe"}`, 400, spFormat, nil},
		{"POST", "/savepoints", `{not json`, 400, spFormat, nil},
		{"POST", "/stop", `{"targetDirectory":"/sp","drain":"x"}`, 400, stopFormat, nil},
		{"POST", "/stop", `{not json`, 400, stopFormat, nil},
		{"PATCH", "?mode=cancel", `{not json`, 400, handler + "Request did not match expected format EmptyRequestBody.", nil},
	}
	for _, version := range []string{"v1_20", "v2_2", "v2_3"} {
		for _, tc := range cases {
			c, r, id := start(t, version)
			code, body := r.do(tc.method, "/jobs/"+id+tc.path, tc.body)
			what := version + " " + tc.method + " " + tc.path + " " + tc.body
			assert.Equal(t, tc.wantCode, code, what)
			if tc.wantFirstLine != "" {
				if assert.Len(t, errorsOf(body), 1, what) {
					assert.Equal(t, tc.wantFirstLine, firstLine(errorsOf(body)[0]), what)
				}
			}
			assert.Equal(t, tc.wantIgnored, fieldsOf(c.IgnoredFields()), what)
		}
	}
}

// fieldsOf keeps the field of each IgnoredFields entry.
func fieldsOf(entries []string) []string {
	var out []string
	for _, e := range entries {
		_, field, _ := strings.Cut(e, ": ")
		out = append(out, field)
	}
	return out
}

func TestMissingTargetDirectory(t *testing.T) {
	_, r, id := start(t, "v1_19")
	code, body := r.do(http.MethodPost, "/jobs/"+id+"/savepoints", "")
	assert.Equal(t, http.StatusBadRequest, code, "an empty body counts as {}")
	assert.Equal(t, []any{"Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided."}, errorsOf(body))

	_, r, id = start(t, "v2_1")
	_, body = r.do(http.MethodPost, "/jobs/"+id+"/stop", `{"drain":false}`)
	assert.Equal(t, "org.apache.flink.runtime.rest.handler.RestHandlerException: Config key [execution.checkpointing.savepoint-dir] is not set. Property [targetDirectory] must be provided.", firstLine(errorsOf(body)[0]))
}

func TestCancelModes(t *testing.T) {
	_, r, id := start(t, "v1_20")
	code, body := r.do(http.MethodPatch, "/jobs/"+id+"?mode=stop", "")
	assert.Equal(t, http.StatusPermanentRedirect, code)
	assert.Contains(t, errorsOf(body)[0], `"stop" has been removed`)
	code, _ = r.do(http.MethodPatch, "/jobs/"+id+"?mode=cancel", `{not json`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, body = r.do(http.MethodPatch, "/jobs/"+id, "")
	assert.Equal(t, http.StatusAccepted, code, "mode defaults to cancel")
	assert.Empty(t, body)
}
