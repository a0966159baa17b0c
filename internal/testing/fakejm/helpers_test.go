package fakejm_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// raw talks to the fake without the client, so these tests pin the wire
// format itself.
type raw struct {
	t    *testing.T
	base string
}

func (r raw) do(method, path, body string) (int, map[string]any) {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	require.NoError(r.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	var m map[string]any
	require.NoError(r.t, json.Unmarshal(data, &m), string(data))
	return resp.StatusCode, m
}

func (r raw) get(path string) (int, map[string]any) { return r.do(http.MethodGet, path, "") }

// start runs a cluster of version with one running job.
func start(t *testing.T, version string, opts ...fakejm.Option) (*fakejm.Cluster, raw, string) {
	t.Helper()
	c, ep := fakejm.Start(t, version, opts...)
	id, err := c.AddJob(fakejm.JobSpec{Name: "orders", Parallelism: 2})
	require.NoError(t, err)
	return c, raw{t: t, base: ep.URL}, id
}

func errorsOf(m map[string]any) []any {
	e, _ := m["errors"].([]any)
	return e
}
