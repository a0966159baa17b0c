package fakejm_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

func TestServerRoutesByPrefix(t *testing.T) {
	srv := fakejm.NewServer()
	a, err := fakejm.NewCluster("v1_13")
	require.NoError(t, err)
	b, err := fakejm.NewCluster("v2_1")
	require.NoError(t, err)
	require.NoError(t, srv.Add("/ns/a", a))
	require.NoError(t, srv.Add("/ns/a-b", b))
	assert.Error(t, srv.Add("/ns/a/", b), "prefix taken")
	assert.Error(t, srv.Add("ns", b))
	ep := fakejm.Serve(srv)
	t.Cleanup(ep.Close)
	r := raw{t: t, base: ep.URL}

	_, body := r.get("/ns/a/config")
	assert.Equal(t, "1.13.0", body["flink-version"])
	_, body = r.get("/ns/a-b/v1/config")
	assert.Equal(t, "2.1.0", body["flink-version"])
	assert.Equal(t, 1, a.Counters().Requests["GET /config"])
	assert.Equal(t, "/config", b.Requests()[0].Path, "prefix and /v1 stripped")

	code, _ := r.get("/ns/c/config")
	assert.Equal(t, http.StatusNotFound, code)
	srv.Remove("/ns/a")
	code, _ = r.get("/ns/a/config")
	assert.Equal(t, http.StatusNotFound, code)
}
