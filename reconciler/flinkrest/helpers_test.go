package flinkrest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// testedVersions are the versions every flow runs against: the oldest,
// the first with trigger ids and className, the last 1.x and a 2.x.
var testedVersions = []string{"v1_13", "v1_15", "v1_20", "v2_1", "v2_3"}

const savepointDir = "s3://bucket/savepoints"

// env is a fake cluster with one running job and a client of the same
// version whose retries back off by 1ms, so retry tests stay fast.
type env struct {
	fake   *fakejm.Cluster
	ep     *fakejm.Endpoint
	client *flinkrest.Client
	jobID  string
}

func newEnv(t *testing.T, version string, opts ...fakejm.Option) *env {
	t.Helper()
	fake, ep := fakejm.Start(t, version, opts...)
	jobID, err := fake.AddJob(fakejm.JobSpec{Name: "orders"})
	require.NoError(t, err)
	// Flink 1.20+ ignores a body field it does not know; a client that
	// sent one has a bug that only this record shows.
	t.Cleanup(func() { assert.Empty(t, fake.IgnoredFields(), "fields Flink %s ignores", version) })
	return &env{
		fake:   fake,
		ep:     ep,
		client: flinkrest.New(ep.URL, version, flinkrest.WithRetry(3, time.Millisecond)),
		jobID:  jobID,
	}
}

// decodeBody decodes a recorded request body into a generic map.
func decodeBody(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	return m
}
