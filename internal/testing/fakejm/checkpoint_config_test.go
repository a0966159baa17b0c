package fakejm_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// The jar run's flinkConfiguration, as real 2.2.1 took it: values may be
// strings, numbers or booleans, the retention is read case-insensitively,
// a nested object is a malformed body, and none of it is an ignored field.
func TestJarRunFlinkConfiguration(t *testing.T) {
	c, ep := fakejm.Start(t, "v2_2")
	r := raw{t: t, base: ep.URL}
	code, up := r.upload(map[string]string{"keyed-counter.jar": "PK"})
	require.Equal(t, http.StatusOK, code)
	jar := up["filename"].(string)
	run := "/jars/" + jar[strings.LastIndex(jar, "/")+1:] + "/run"
	config := func(id string) map[string]any {
		code, body := r.get("/jobs/" + id + "/checkpoints/config")
		require.Equal(t, http.StatusOK, code)
		return body["externalization"].(map[string]any)
	}

	code, body := r.do(http.MethodPost, run, `{"flinkConfiguration":{"execution.checkpointing.externalized-checkpoint-retention":"retain_on_cancellation","execution.checkpointing.interval":3000,"pipeline.object-reuse":true}}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, map[string]any{"enabled": true, "delete_on_cancellation": false}, config(body["jobid"].(string)))

	code, body = r.do(http.MethodPost, run, `{}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, map[string]any{"enabled": false, "delete_on_cancellation": true}, config(body["jobid"].(string)), "Flink's default")

	code, body = r.do(http.MethodPost, run, `{"flinkConfiguration":{"execution":{"checkpointing":{"externalized-checkpoint-retention":"RETAIN_ON_CANCELLATION"}}}}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, errorsOf(body)[0], "Request did not match expected format JarRunRequestBody.")

	code, body = r.do(http.MethodPost, run, `{"flinkConfiguration":{"execution.checkpointing.externalized-checkpoint-retention":"KEEP"}}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, errorsOf(body)[0], "Could not parse value 'KEEP' for key 'execution.checkpointing.externalized-checkpoint-retention'.")
	assert.Equal(t, 2, c.Counters().JarRuns)
	assert.Empty(t, c.IgnoredFields())
}

// The cluster's retention is the default of jobs that set none.
func TestClusterCheckpointRetention(t *testing.T) {
	c, ep := fakejm.Start(t, "v1_20", fakejm.WithCheckpointRetention(flinkrest.RetainOnCancellation))
	r := raw{t: t, base: ep.URL}
	plain, err := c.AddJob(fakejm.JobSpec{})
	require.NoError(t, err)
	own, err := c.AddJob(fakejm.JobSpec{CheckpointRetention: flinkrest.DeleteOnCancellation})
	require.NoError(t, err)
	_, body := r.get("/jobs/" + plain + "/checkpoints/config")
	assert.Equal(t, map[string]any{"enabled": true, "delete_on_cancellation": false}, body["externalization"])
	_, body = r.get("/jobs/" + own + "/checkpoints/config")
	assert.Equal(t, map[string]any{"enabled": true, "delete_on_cancellation": true}, body["externalization"])
	_, err = c.AddJob(fakejm.JobSpec{CheckpointRetention: "KEEP"})
	assert.Error(t, err)
}

// How each retention leaves the latest checkpoint when the job ends (real
// 2.2.1; cancellation also on 1.20.5 and 2.3.0; see discardOnEnd for the
// one case not modelled), and that a newer
// checkpoint leaves the older ones discarded in history.
func TestCheckpointsDiscardedOnEnd(t *testing.T) {
	type end func(c *fakejm.Cluster, id string) error
	cancel := func(c *fakejm.Cluster, id string) error { return c.SetJobState(id, flinkrest.JobCanceled) }
	finish := func(c *fakejm.Cluster, id string) error { return c.SetJobState(id, flinkrest.JobFinished) }
	fail := func(c *fakejm.Cluster, id string) error { return c.FailJob(id, "java.lang.RuntimeException", "boom") }
	cases := []struct {
		retention string
		end       end
		name      string
		discarded bool
	}{
		{flinkrest.RetainOnCancellation, cancel, "cancel", false},
		{flinkrest.DeleteOnCancellation, cancel, "cancel", true},
		{flinkrest.NoExternalizedCheckpoints, cancel, "cancel", true},
		{flinkrest.RetainOnCancellation, finish, "finish", true},
		{flinkrest.DeleteOnCancellation, finish, "finish", true},
		{flinkrest.NoExternalizedCheckpoints, finish, "finish", true},
		{flinkrest.RetainOnCancellation, fail, "fail", false},
		{flinkrest.DeleteOnCancellation, fail, "fail", false},
		// Real 2.2.1 discarded this one; not modelled (discardOnEnd).
		{flinkrest.NoExternalizedCheckpoints, fail, "fail", false},
	}
	for _, tc := range cases {
		t.Run(tc.retention+"/"+tc.name, func(t *testing.T) {
			c, ep := fakejm.Start(t, "v2_2")
			r := raw{t: t, base: ep.URL}
			id, err := c.AddJob(fakejm.JobSpec{CheckpointRetention: tc.retention})
			require.NoError(t, err)
			for range 2 {
				_, err = c.AddCheckpoint(id, fakejm.CheckpointSpec{})
				require.NoError(t, err)
			}
			_, body := r.get("/jobs/" + id + "/checkpoints")
			history := body["history"].([]any)
			assert.Equal(t, false, history[0].(map[string]any)["discarded"])
			assert.Equal(t, true, history[1].(map[string]any)["discarded"], "subsumed")

			require.NoError(t, tc.end(c, id))
			_, body = r.get("/jobs/" + id + "/checkpoints")
			assert.Equal(t, tc.discarded, nested(body, "latest", "completed", "discarded"))
			assert.Equal(t, tc.discarded, body["history"].([]any)[0].(map[string]any)["discarded"])
		})
	}
}
