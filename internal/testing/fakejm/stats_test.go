package fakejm_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

func TestCheckpointDiscriminatorByVersion(t *testing.T) {
	for v, disc := range map[string]string{"v1_13": "@class", "v1_14": "@class", "v1_15": "className", "v2_1": "className"} {
		c, r, id := start(t, v)
		_, err := c.AddCheckpoint(id, fakejm.CheckpointSpec{})
		require.NoError(t, err)
		_, err = c.AddCheckpoint(id, fakejm.CheckpointSpec{Status: fakejm.CheckpointFailed, FailureMessage: "expired"})
		require.NoError(t, err)
		code, body := r.get("/jobs/" + id + "/checkpoints")
		require.Equal(t, http.StatusOK, code)
		latest := body["latest"].(map[string]any)
		completed := latest["completed"].(map[string]any)
		assert.Equal(t, "completed", completed[disc], v)
		assert.NotContains(t, completed, map[string]string{"@class": "className", "className": "@class"}[disc], v)
		assert.Equal(t, v != "v1_13" && v != "v1_14", completed["checkpointed_size"] != nil, v)
		failed := latest["failed"].(map[string]any)
		assert.Equal(t, "failed", failed[disc])
		assert.Equal(t, "expired", failed["failure_message"])
		assert.Nil(t, latest["savepoint"], "nulls are serialized")
		assert.Contains(t, latest, "restored")
		assert.Equal(t, float64(2), body["counts"].(map[string]any)["total"])
		assert.Equal(t, "failed", body["history"].([]any)[0].(map[string]any)[disc], "history is newest first")
	}
}

func TestCheckpointRestoredAndDisabled(t *testing.T) {
	c, r, _ := start(t, "v1_20")
	id, err := c.AddJob(fakejm.JobSpec{RestoredFrom: "s3://b/sp/savepoint-abcdef-000000000001", RestoredCheckpointID: 5})
	require.NoError(t, err)
	_, body := r.get("/jobs/" + id + "/checkpoints")
	restored := body["latest"].(map[string]any)["restored"].(map[string]any)
	assert.Equal(t, []string{"external_path", "id", "is_savepoint", "restore_timestamp"}, keys(restored))
	assert.Equal(t, float64(5), restored["id"])

	off, err := c.AddJob(fakejm.JobSpec{CheckpointingDisabled: true})
	require.NoError(t, err)
	code, body := r.get("/jobs/" + off + "/checkpoints")
	assert.Equal(t, http.StatusNotFound, code)
	// From 1.20 a RestHandlerException's stack trace, as real 1.20.5,
	// 2.2.1 and 2.3.0 answered for a batch job.
	require.Len(t, errorsOf(body), 1)
	assert.True(t, strings.HasPrefix(errorsOf(body)[0].(string), "org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing has not been enabled.\n"))
}

func TestExceptionShapes(t *testing.T) {
	cases := map[string]struct {
		legacy, location, endpoint, labels bool
	}{
		"v1_13": {legacy: true, location: true},
		"v1_18": {legacy: true, location: true, labels: true},
		"v1_19": {legacy: true, location: true, endpoint: true, labels: true},
		"v2_0":  {endpoint: true, labels: true},
	}
	for v, want := range cases {
		c, r, id := start(t, v)
		require.NoError(t, c.FailJob(id, "java.lang.RuntimeException", "boom"))
		_, body := r.get("/jobs/" + id + "/exceptions")
		if want.legacy {
			assert.Equal(t, []string{"all-exceptions", "exceptionHistory", "root-exception", "timestamp", "truncated"}, keys(body), v)
			assert.Contains(t, body["root-exception"], "java.lang.RuntimeException: boom")
		} else {
			assert.Equal(t, []string{"exceptionHistory"}, keys(body), v)
		}
		entry := body["exceptionHistory"].(map[string]any)["entries"].([]any)[0].(map[string]any)
		assert.Equal(t, "java.lang.RuntimeException", entry["exceptionName"])
		assert.Equal(t, want.location, entry["location"] != nil, v)
		assert.Equal(t, want.endpoint, entry["endpoint"] != nil, v)
		assert.Equal(t, want.labels, entry["failureLabels"] != nil, v)
		assert.Equal(t, []any{}, entry["concurrentExceptions"])
	}
}

func TestCheckpointRestoredFromRetainedCheckpoint(t *testing.T) {
	c, r, _ := start(t, "v1_18")
	id, err := c.AddJob(fakejm.JobSpec{RestoredFrom: "file:/cp/0000/chk-7", RestoredCheckpointID: 7, RestoredFromCheckpoint: true})
	require.NoError(t, err)
	_, body := r.get("/jobs/" + id + "/checkpoints")
	restored := body["latest"].(map[string]any)["restored"].(map[string]any)
	assert.Equal(t, false, restored["is_savepoint"])
	assert.Equal(t, "file:/cp/0000/chk-7", restored["external_path"])
	cp, err := c.AddCheckpoint(id, fakejm.CheckpointSpec{})
	require.NoError(t, err)
	assert.Equal(t, int64(8), cp, "checkpoint ids continue after the restored one")
}

func TestCheckpointUnderDirectory(t *testing.T) {
	c, r, id := start(t, "v1_20")
	cp, err := c.AddCheckpoint(id, fakejm.CheckpointSpec{Directory: "s3://bucket/cp/"})
	require.NoError(t, err)
	_, body := r.get("/jobs/" + id + "/checkpoints")
	completed := body["latest"].(map[string]any)["completed"].(map[string]any)
	assert.Equal(t, fmt.Sprintf("s3://bucket/cp/%s/chk-%d", id, cp), completed["external_path"])
}
