package flinkrest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func TestConfigOverviewAndJobs(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()

			cfg, err := e.client.GetConfig(ctx)
			require.NoError(t, err)
			detected, err := flinkrest.ParseVersion(cfg.FlinkVersion)
			require.NoError(t, err)
			assert.Equal(t, e.client.Version(), detected, "flink-version %q", cfg.FlinkVersion)
			assert.Contains(t, cfg.Features, "web-submit")

			ov, err := e.client.GetOverview(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, ov.JobsRunning)
			assert.Equal(t, cfg.FlinkVersion, ov.FlinkVersion)

			jobs, err := e.client.ListJobs(ctx)
			require.NoError(t, err)
			require.Len(t, jobs, 1)
			assert.Equal(t, e.jobID, jobs[0].ID)
			assert.Equal(t, "orders", jobs[0].Name)
			assert.Equal(t, flinkrest.JobRunning, jobs[0].State)
			assert.Equal(t, int64(-1), jobs[0].EndTime)
			assert.Equal(t, 1, jobs[0].Tasks["total"])
			assert.Equal(t, 1, jobs[0].Tasks["running"])

			job, err := e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobRunning, job.State)
			assert.NotZero(t, job.Timestamps[flinkrest.JobRunning])
			assert.Len(t, job.Timestamps, 11, "one timestamp per JobStatus")
			require.Len(t, job.Vertices, 1)
			assert.Equal(t, "RUNNING", job.Vertices[0].Status)
			assert.Equal(t, e.client.Version().AtLeast(1, 15), job.MaxParallelism != nil)
		})
	}
}

func TestGetJobNotFoundIsTypedAndSaysWhatWasAttempted(t *testing.T) {
	e := newEnv(t, "v1_20")
	missing := strings.Repeat("ab", 16)
	_, err := e.client.GetJob(context.Background(), missing)
	require.Error(t, err)
	assert.True(t, flinkrest.IsNotFound(err))
	var apiErr *flinkrest.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.MethodGet, apiErr.Method)
	assert.Equal(t, "/jobs/"+missing, apiErr.Path)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, "flink REST GET /jobs/"+missing+": 404: org.apache.flink.runtime.rest.NotFoundException: Job "+missing+" not found",
		err.Error(), "the first line of Flink's stack trace, not all of it")
	assert.Contains(t, apiErr.Errors[0], "\n\tat ", "the whole trace is kept")
	assert.Equal(t, 1, e.fake.Counters().Requests["GET /jobs/:jobid"], "4xx is not retried")
}

func TestBaseURLWithPathPrefixServesSeveralClusters(t *testing.T) {
	srv := fakejm.NewServer()
	old, err := fakejm.NewCluster("v1_13")
	require.NoError(t, err)
	newer, err := fakejm.NewCluster("v2_1", fakejm.WithFlinkVersion("2.1.2"))
	require.NoError(t, err)
	require.NoError(t, srv.Add("/ns/old", old))
	require.NoError(t, srv.Add("/ns/new", newer))
	ep := fakejm.Serve(srv)
	t.Cleanup(ep.Close)
	_, err = newer.AddJob(fakejm.JobSpec{Name: "only-in-new"})
	require.NoError(t, err)

	ctx := context.Background()
	oldClient := flinkrest.New(ep.URL+"/ns/old", "v1_13")
	newClient := flinkrest.New(ep.URL+"/ns/new/", "v2_1")

	cfg, err := oldClient.GetConfig(ctx)
	require.NoError(t, err)
	assert.Equal(t, "1.13.0", cfg.FlinkVersion)
	cfg, err = newClient.GetConfig(ctx)
	require.NoError(t, err)
	assert.Equal(t, "2.1.2", cfg.FlinkVersion)

	jobs, err := oldClient.ListJobs(ctx)
	require.NoError(t, err)
	assert.Empty(t, jobs)
	jobs, err = newClient.ListJobs(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	assert.Equal(t, "only-in-new", jobs[0].Name)

	_, err = flinkrest.New(ep.URL+"/ns/gone", "v2_1").GetConfig(ctx)
	assert.True(t, flinkrest.IsNotFound(err))
}

func TestInvalidConstructionIsReportedByCalls(t *testing.T) {
	ctx := context.Background()
	_, err := flinkrest.New("http://127.0.0.1:1", "v1_12").GetConfig(ctx)
	assert.ErrorIs(t, err, flinkrest.ErrUnsupported)
	assert.Contains(t, err.Error(), "flink REST GET /config")

	_, err = flinkrest.New("http://127.0.0.1:1", "banana").GetConfig(ctx)
	assert.ErrorContains(t, err, `flink version "banana"`)

	_, err = flinkrest.New("127.0.0.1:8081", "v1_20").GetConfig(ctx)
	assert.ErrorContains(t, err, "base URL")
}

func TestGetRetriesWhileNotReady(t *testing.T) {
	for _, v := range []string{"v1_15", "v1_20"} { // 500 before 1.16, 503 after
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			e.fake.NotReadyFor(2)
			cfg, err := e.client.GetConfig(context.Background())
			require.NoError(t, err)
			assert.NotEmpty(t, cfg.FlinkVersion)
			assert.Equal(t, 3, e.fake.Counters().Requests["GET /config"])
		})
	}
}

func TestGetGivesUpAfterBoundedAttempts(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.NotReadyFor(fakejm.Forever)
	_, err := e.client.GetJob(context.Background(), e.jobID)
	require.Error(t, err)
	assert.True(t, flinkrest.IsUnavailable(err))
	assert.Equal(t, 3, e.fake.Counters().Requests["GET /jobs/:jobid"])
}

func TestBackoffRespectsContext(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.NotReadyFor(fakejm.Forever)
	client := flinkrest.New(e.ep.URL, "v1_20", flinkrest.WithRetry(10, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client.GetConfig(ctx)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, flinkrest.IsUnavailable(err), "the last server answer stays visible: %v", err)
	assert.Equal(t, 1, e.fake.Counters().Requests["GET /config"])
}

func TestCancelIsNeverRetried(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "PATCH /jobs/:jobid", Status: http.StatusServiceUnavailable, Times: 1})
	err := e.client.CancelJob(context.Background(), e.jobID)
	require.Error(t, err)
	assert.True(t, flinkrest.IsUnavailable(err))
	assert.Equal(t, 1, e.fake.Counters().Requests["PATCH /jobs/:jobid"])
	assert.Equal(t, 0, e.fake.Counters().Cancels)
	st, _ := e.fake.JobState(e.jobID)
	assert.Equal(t, flinkrest.JobRunning, st)
}

func TestPerAttemptTimeout(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "GET /config", Latency: time.Minute})
	client := flinkrest.New(e.ep.URL, "v1_20", flinkrest.WithTimeout(30*time.Millisecond), flinkrest.WithRetry(2, time.Millisecond))
	start := time.Now()
	_, err := client.GetConfig(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, 2, e.fake.Counters().Requests["GET /config"], "a timed-out GET is retried")
	assert.True(t, strings.HasPrefix(err.Error(), "flink REST GET /config: "), err.Error())
}

func TestCallerContextCancelsRequest(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "GET /jobs/overview", Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := e.client.ListJobs(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, e.fake.Counters().Requests["GET /jobs/overview"], "no retry once the caller's context is done")
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.ep.RefuseConnections()
	_, err := e.client.GetConfig(context.Background())
	require.Error(t, err)
	assert.True(t, flinkrest.IsUnavailable(err))
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.True(t, strings.HasPrefix(err.Error(), "flink REST GET /config: "), err.Error())

	require.NoError(t, e.ep.AcceptConnections())
	_, err = e.client.GetConfig(context.Background())
	require.NoError(t, err)
}

func TestDroppedConnectionIsRetriedForGet(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid", DropConnection: true, Times: 1})
	job, err := e.client.GetJob(context.Background(), e.jobID)
	require.NoError(t, err)
	assert.Equal(t, e.jobID, job.ID)
	assert.GreaterOrEqual(t, e.fake.Counters().Requests["GET /jobs/:jobid"], 2)
}

func TestServerErrorBodyIsKept(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "GET /overview", Status: 500, Errors: []string{"Internal server error.", "<Exception on server side>"}})
	_, err := e.client.GetOverview(context.Background())
	var apiErr *flinkrest.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"Internal server error.", "<Exception on server side>"}, apiErr.Errors)
	assert.Equal(t, 3, e.fake.Counters().Requests["GET /overview"])
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}
