package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// TestUploadToASession: with --upload-to, the fetched jar goes to the
// session's JobManager under the file name the operator chose, and the
// jar id Flink answered is written where the operator reads it (the
// container's termination message).
func TestUploadToASession(t *testing.T) {
	content := []byte("PK\x03\x04 a session job's jar")
	srv := jarServer(t, false, content)
	cluster, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	jm := fakejm.Serve(cluster)
	t.Cleanup(jm.Close)
	result := filepath.Join(t.TempDir(), "termination-log")
	var stderr bytes.Buffer

	code := run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--file", "team-a_orders_3.jar", "--upload-to", jm.URL, "--flink-version", "v1_20", "--result-file", result}, &stderr)
	require.Equal(t, 0, code, stderr.String())
	jars := cluster.Jars()
	require.Len(t, jars, 1)
	assert.Equal(t, "team-a_orders_3.jar", jars[0].Name)
	assert.EqualValues(t, len(content), jars[0].Size)
	id, err := os.ReadFile(result)
	require.NoError(t, err)
	assert.Equal(t, jars[0].ID, string(id))
}

// An upload the JobManager refuses fails the command, naming where it
// went, and writes no jar id; --upload-to without the version is a usage
// error, before anything is fetched.
func TestUploadFailureIsAnError(t *testing.T) {
	srv := jarServer(t, false, []byte("PK\x03\x04"))
	result := filepath.Join(t.TempDir(), "termination-log")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--upload-to", srv.URL + "/no-jobmanager", "--flink-version", "v1_20", "--result-file", result}, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "upload the jar to "+srv.URL+"/no-jobmanager")
	assert.NoFileExists(t, result)

	code = run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--upload-to", srv.URL}, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "--upload-to needs --flink-version")
}
