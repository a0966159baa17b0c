package fakejm_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

func TestNotReadyStatusByVersion(t *testing.T) {
	for v, want := range map[string]int{"v1_13": 500, "v1_15": 500, "v1_16": 503, "v2_1": 503} {
		c, r, _ := start(t, v)
		c.NotReadyFor(1)
		code, body := r.get("/config")
		assert.Equal(t, want, code, v)
		assert.Contains(t, errorsOf(body)[0], "leader election")
		code, _ = r.get("/config")
		assert.Equal(t, http.StatusOK, code, "ready after the first request")
	}
}

func TestStatusFaultIsScopedAndCounted(t *testing.T) {
	c, r, id := start(t, "v1_20")
	c.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid", Status: 502, Times: 2})
	code, body := r.get("/jobs/" + id)
	assert.Equal(t, 502, code)
	assert.Contains(t, errorsOf(body)[0], "GET /jobs/:jobid")
	code, _ = r.get("/config")
	assert.Equal(t, http.StatusOK, code, "other routes unaffected")
	code, _ = r.get("/jobs/" + id)
	assert.Equal(t, 502, code)
	code, _ = r.get("/jobs/" + id)
	assert.Equal(t, http.StatusOK, code, "Times exhausted")
	assert.Equal(t, 3, c.Counters().Requests["GET /jobs/:jobid"])

	c.InjectFault(fakejm.Fault{Status: 500})
	code, _ = r.get("/overview")
	assert.Equal(t, 500, code, "an empty route matches everything")
	c.ClearFaults()
	code, _ = r.get("/overview")
	assert.Equal(t, http.StatusOK, code)
}

func TestLatencyEndsWhenClientGivesUp(t *testing.T) {
	c, r, _ := start(t, "v1_20")
	c.InjectFault(fakejm.Fault{Route: "GET /config", Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/config", nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = http.DefaultClient.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestDropConnectionAndRefuse(t *testing.T) {
	c, ep := fakejm.Start(t, "v1_20")
	c.InjectFault(fakejm.Fault{Route: "PATCH /jobs/:jobid", DropConnection: true})
	id, err := c.AddJob(fakejm.JobSpec{})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPatch, ep.URL+"/jobs/"+id, nil)
	require.NoError(t, err)
	_, err = http.DefaultClient.Do(req)
	assert.Error(t, err, "no response at all")
	assert.Equal(t, 0, c.Counters().Cancels, "dropped before handling")

	ep.RefuseConnections()
	_, err = http.Get(ep.URL + "/config")
	assert.ErrorContains(t, err, "connection refused")
	require.NoError(t, ep.AcceptConnections())
	resp, err := http.Get(ep.URL + "/config")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestRoutesAreListed(t *testing.T) {
	assert.Contains(t, fakejm.Routes(), "POST /jobs/:jobid/stop")
	assert.Contains(t, fakejm.Routes(), "POST /jars/:jarid/run")
	assert.Contains(t, fakejm.Routes(), "GET /jobs/:jobid/checkpoints/config")
	assert.Contains(t, fakejm.Routes(), "GET /jars")
	assert.Len(t, fakejm.Routes(), 16)
}
