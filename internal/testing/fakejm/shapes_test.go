package fakejm_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keys(m any) []string {
	mm, _ := m.(map[string]any)
	var out []string
	for k := range mm {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestConfigFeaturesByVersion(t *testing.T) {
	for v, want := range map[string][]string{
		"v1_13": {"web-submit"},
		"v1_14": {"web-cancel", "web-submit"},
		"v1_18": {"web-cancel", "web-submit"},
		"v1_19": {"web-cancel", "web-history", "web-rescale", "web-submit"},
		"v2_2":  {"web-cancel", "web-history", "web-rescale", "web-submit"},
	} {
		_, r, _ := start(t, v)
		code, body := r.get("/config")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, want, keys(body["features"]), v)
		assert.Contains(t, body, "flink-revision", v)
	}
}

func TestOverviewShape(t *testing.T) {
	_, r, _ := start(t, "v1_15")
	_, body := r.get("/overview")
	assert.Equal(t, []string{"flink-commit", "flink-version", "jobs-cancelled", "jobs-failed", "jobs-finished",
		"jobs-running", "slots-available", "slots-total", "taskmanagers"}, keys(body))
	_, r, _ = start(t, "v1_16")
	_, body = r.get("/overview")
	assert.NotContains(t, body, "taskmanagers-blocked", "real Flink leaves the blocklist counts out while they are zero")
	assert.Equal(t, float64(2), body["slots-available"], "4 slots minus parallelism 2")
}

func TestJobsOverviewWireFormat(t *testing.T) {
	_, r, id := start(t, "v1_20")
	_, body := r.get("/jobs/overview")
	jobs := body["jobs"].([]any)
	require.Len(t, jobs, 1)
	j := jobs[0].(map[string]any)
	assert.Equal(t, []string{"duration", "end-time", "jid", "last-modification", "name", "start-time", "state", "tasks"}, keys(j))
	assert.Equal(t, id, j["jid"])
	assert.Equal(t, "RUNNING", j["state"])
	assert.Equal(t, float64(-1), j["end-time"])
	tasks := j["tasks"].(map[string]any)
	assert.Equal(t, float64(2), tasks["total"])
	assert.Equal(t, float64(2), tasks["running"])
	assert.Len(t, tasks, 11, "total plus one lower-case key per ExecutionState")

	_, r, _ = start(t, "v2_1")
	_, body = r.get("/jobs/overview")
	assert.Contains(t, body["jobs"].([]any)[0], "pending-operators")
	assert.NotContains(t, body["jobs"].([]any)[0], "schedulerType")

	// 2.3 adds the job type and the scheduler, as real 2.3.0 answers.
	_, r23, _ := start(t, "v2_3")
	_, body23 := r23.get("/jobs/overview")
	j23 := body23["jobs"].([]any)[0].(map[string]any)
	assert.Equal(t, "STREAMING", j23["jobType"])
	assert.Equal(t, "Default", j23["schedulerType"])
	assert.Contains(t, j23, "pending-operators")

	_, body = r.get("/jobs")
	assert.Equal(t, "RUNNING", body["jobs"].([]any)[0].(map[string]any)["status"])
}

func TestJobDetailsByVersion(t *testing.T) {
	_, r, id := start(t, "v1_13")
	code, body := r.get("/jobs/" + id)
	require.Equal(t, http.StatusOK, code)
	for _, k := range []string{"jid", "name", "isStoppable", "state", "start-time", "end-time", "duration", "now", "timestamps", "vertices", "status-counts", "plan"} {
		assert.Contains(t, body, k)
	}
	assert.NotContains(t, body, "maxParallelism")
	ts := body["timestamps"].(map[string]any)
	assert.Len(t, ts, 11)
	assert.Contains(t, ts, "RECONCILING")
	assert.Contains(t, body["status-counts"], "RUNNING")

	_, r, id = start(t, "v2_2")
	_, body = r.get("/jobs/" + id)
	assert.Contains(t, body, "maxParallelism")
	assert.Equal(t, "STREAMING", body["job-type"])
	vertex := body["vertices"].([]any)[0].(map[string]any)
	assert.Contains(t, vertex, "slotSharingGroupId")
	assert.Contains(t, vertex["tasks"], "RUNNING")
	assert.NotContains(t, body, "application-id")
	assert.NotContains(t, body, "schedulerType")

	// 2.3 runs the job in an application of the same id and names the
	// scheduler, as real 2.3.0 answers.
	_, r, id = start(t, "v2_3")
	_, body = r.get("/jobs/" + id)
	assert.Equal(t, id, body["application-id"])
	assert.Equal(t, "Default", body["schedulerType"])
	assert.Equal(t, "STREAMING", body["job-type"])
	assert.Contains(t, body, "pending-operators")
}

func TestUnknownAndMalformedPaths(t *testing.T) {
	_, r, id := start(t, "v1_20")
	code, body := r.get("/nope")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, []any{"Not found: /nope"}, errorsOf(body))

	code, _ = r.get("/v1/jobs/" + id)
	assert.Equal(t, http.StatusOK, code, "/v1 prefix is accepted")

	code, _ = r.get("/jobs/not-a-job-id")
	assert.Equal(t, http.StatusBadRequest, code)

	code, body = r.get("/jobs/00000000000000000000000000000000")
	assert.Equal(t, http.StatusNotFound, code)
	assert.NotEmpty(t, errorsOf(body))

	code, _ = r.do(http.MethodDelete, "/jobs/"+id, "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
}
