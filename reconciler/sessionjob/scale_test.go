package sessionjob_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/jarfetch"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Many FlinkSessionJobs on one session cluster (issue 20), with the
// controller in a controller-runtime manager as the operator runs it: its
// cache, watches and field index. A run creates the session and n jobs,
// waits until every job is RUNNING, then watches a steady period of
// several resync intervals in which nothing changes, counting what the
// operator sends to the API server and to the session's JobManager.

// scaleConfig is one run's size and timing.
type scaleConfig struct {
	jobs int
	// resync is the Reconciler's ResyncInterval; steady is the period
	// measured, a multiple of it.
	resync, steady time.Duration
	workers        int
}

// scaleResult is what a run measured.
type scaleResult struct {
	converged time.Duration
	// runningAt is when each job was first seen RUNNING, in order (the
	// list is polled every 50 ms).
	runningAt []time.Duration
	// Until every job was RUNNING (from the first create).
	convergeAPI                      apiCounts
	convergeRESTWrites, convergeREST int
	convergeCPU                      float64
	// convergeServerCPU is the API server's and etcd's.
	convergeServerCPU float64
	// convergeBreakdown counts those requests by kind ("API PATCH
	// flinksessionjobs/status", "REST POST /jars/upload").
	convergeBreakdown map[string]int

	// The steady period.
	api  apiCounts
	rest struct {
		writes, reads int
		// readsPerJob counts the GET requests naming each job's id.
		readsPerJob map[string]int
	}
	passes      float64 // reconciles that returned, all jobs
	cpu         float64 // this process's user + system seconds
	serverCPU   float64 // the API server's and etcd's
	rvChanged   int     // FlinkSessionJobs whose resourceVersion changed
	resyncs     float64 // steady / resync
	writeDetail []string
}

// apiCounts counts the requests the manager sends to the API server (its
// client, cache and event recorder), by kind.
type apiCounts struct {
	writes, reads, watches int
	writeLog               []string
}

// apiCounter is a RoundTripper that counts requests on their way out.
type apiCounter struct {
	next http.RoundTripper
	mu   *sync.Mutex
	c    *apiCounts
}

func (a apiCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	a.mu.Lock()
	switch {
	case req.Method == http.MethodGet && req.URL.Query().Get("watch") == "true":
		a.c.watches++
	case req.Method == http.MethodGet:
		a.c.reads++
	default:
		a.c.writes++
		a.c.writeLog = append(a.c.writeLog, req.Method+" "+req.URL.Path)
	}
	a.mu.Unlock()
	return a.next.RoundTrip(req)
}

// apiKind is "METHOD /path" without names: "PATCH
// flinksessionjobs/status".
func apiKind(methodPath string) string {
	method, path, _ := strings.Cut(methodPath, " ")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	kind := ""
	for i, p := range parts {
		// .../namespaces/<ns>/<resource>[/<name>[/<subresource>]]
		if p == "namespaces" && i+2 < len(parts) {
			kind = parts[i+2]
			if i+4 < len(parts) {
				kind += "/" + parts[i+4]
			}
			break
		}
	}
	return method + " " + kind
}

// cpuSeconds is this process's user + system time: the manager, the
// fake JobManager and the jar server (the API server and etcd are
// processes of their own).
func cpuSeconds(tb testing.TB) float64 {
	var ru syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// serverCPUSeconds is the user + system time of this process's children,
// the API server and etcd that envtest started, from /proc (0 where there
// is none). USER_HZ is 100 on Linux.
func serverCPUSeconds() float64 {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	self := strconv.Itoa(os.Getpid())
	ticks := 0
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: after the command's
		// closing parenthesis, ppid is field 2 and utime, stime 12, 13.
		_, rest, ok := strings.Cut(string(b), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 13 || fields[1] != self {
			continue
		}
		u, _ := strconv.Atoi(fields[11])
		s, _ := strconv.Atoi(fields[12])
		ticks += u + s
	}
	return float64(ticks) / 100
}

// passesDone is controller-runtime's count of finished reconciles of the
// FlinkSessionJob controller, all managers of this process together.
func passesDone(tb testing.TB) float64 {
	families, err := crmetrics.Registry.Gather()
	require.NoError(tb, err)
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "flinksessionjob" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// runSessionJobScale runs the controller in a manager on its own
// namespace, with cfg.jobs session jobs on one session, and measures.
func runSessionJobScale(tb testing.TB, cfg scaleConfig) scaleResult {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	counts := &apiCounts{}
	counted := rest.CopyConfig(restConfig)
	counted.QPS = -1 // no client-side rate limit, as ctrl.GetConfig sets for the operator
	counted.Wrap(func(rt http.RoundTripper) http.RoundTripper { return apiCounter{next: rt, mu: &mu, c: counts} })
	snapshot := func() apiCounts {
		mu.Lock()
		defer mu.Unlock()
		c := *counts
		c.writeLog = append([]string(nil), counts.writeLog...)
		return c
	}

	// The manager and its informers log through controller-runtime's
	// root logger, which warns with a stack 30 s into a process that set
	// none; this one drops everything, as the unset one does after its
	// warning.
	ctrl.SetLogger(funcr.New(func(string, string) {}, funcr.Options{}))
	ns := newNamespace(tb)
	scheme, err := reconciler.NewScheme()
	require.NoError(tb, err)
	mgr, err := ctrl.NewManager(counted, ctrl.Options{
		Scheme:  scheme,
		Cache:   reconciler.CacheOptions([]string{ns}, labels.Everything()),
		Metrics: metricsserver.Options{BindAddress: "0"},
		// Other tests of this binary run the same controller.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	require.NoError(tb, err)
	r := &sessionjob.Reconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate:    jmServer.URL + "/{{namespace}}/{{name}}",
		FetchJar:           jarfetch.New(jarfetch.Config{AllowHTTP: true, MaxBytes: 1 << 20, AllowLoopback: true}),
		AllowHTTPArtifacts: true,
		// The progress interval is the operator's default; only the
		// resync is shortened, so that the steady period holds several.
		ResyncInterval: cfg.resync,
	}
	require.NoError(tb, r.SetupWithManager(mgr, cfg.workers))
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		require.NoError(tb, <-done)
	}()

	cluster := createSession(tb, ns, readySession)
	template := &v1beta1.FlinkSessionJob{}
	require.NoError(tb, yaml.UnmarshalStrict([]byte(sessionJobDoc("")), template))
	// Let the manager's caches fill before the clock starts.
	require.True(tb, mgr.GetCache().WaitForCacheSync(ctx))

	var res scaleResult
	cpu0, server0 := cpuSeconds(tb), serverCPUSeconds()
	start := time.Now()
	for i := range cfg.jobs {
		sj := template.DeepCopy()
		sj.Name, sj.Namespace = fmt.Sprintf("job-%03d", i), ns
		require.NoError(tb, k8s.Create(ctx, sj))
	}
	converged := func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.ObservedGeneration == sj.Generation &&
			meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready")
	}
	list := &v1beta1.FlinkSessionJobList{}
	seen := map[string]time.Duration{} // when each job was first seen RUNNING
	deadline := time.Now().Add(5 * time.Minute)
	for {
		require.NoError(tb, k8s.List(ctx, list, client.InNamespace(ns)))
		n := 0
		for i := range list.Items {
			if converged(&list.Items[i]) {
				n++
				if _, ok := seen[list.Items[i].Name]; !ok {
					seen[list.Items[i].Name] = time.Since(start)
				}
			}
		}
		if n == cfg.jobs {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("only %d of %d FlinkSessionJobs RUNNING after 5 minutes", n, cfg.jobs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.converged = time.Since(start)
	res.runningAt = slices.Sorted(maps.Values(seen))
	res.convergeCPU = cpuSeconds(tb) - cpu0
	res.convergeServerCPU = serverCPUSeconds() - server0
	res.convergeAPI = snapshot()
	res.convergeBreakdown = map[string]int{}
	for _, w := range res.convergeAPI.writeLog {
		res.convergeBreakdown["API "+apiKind(w)]++
	}
	for _, req := range cluster.Requests() {
		res.convergeBreakdown["REST "+req.Route]++
		res.convergeREST++
		if req.Method != http.MethodGet {
			res.convergeRESTWrites++
		}
	}
	require.Equal(tb, cfg.jobs, cluster.Counters().JarRuns, "one run per job")

	// Events are sent after the pass that records them, so the last ones
	// may still be on their way: the steady period starts once the
	// operator has written nothing for half a second (or after 10 s, when
	// it does not stop writing: the steady period then counts it).
	quiet, last := time.Now().Add(10*time.Second), snapshot().writes
	for since := time.Now(); time.Since(since) < 500*time.Millisecond && time.Now().Before(quiet); {
		time.Sleep(50 * time.Millisecond)
		if n := snapshot().writes; n != last {
			last, since = n, time.Now()
		}
	}

	// The steady period: nothing changes, every job resyncs.
	rvs := map[string]string{}
	for _, sj := range list.Items {
		rvs[sj.Name] = sj.ResourceVersion
	}
	api0, rest0, passes0, cpu1, server1 := snapshot(), len(cluster.Requests()), passesDone(tb), cpuSeconds(tb), serverCPUSeconds()
	// SESSIONJOB_SCALE_CPU_PROFILE: a CPU profile of the steady period.
	if path := os.Getenv("SESSIONJOB_SCALE_CPU_PROFILE"); path != "" {
		f, err := os.Create(path)
		require.NoError(tb, err)
		require.NoError(tb, pprof.StartCPUProfile(f))
		defer func() { pprof.StopCPUProfile(); require.NoError(tb, f.Close()) }()
	}
	time.Sleep(cfg.steady)
	api1, requests, passes1, cpu2, server2 := snapshot(), cluster.Requests(), passesDone(tb), cpuSeconds(tb), serverCPUSeconds()

	res.api = apiCounts{writes: api1.writes - api0.writes, reads: api1.reads - api0.reads, watches: api1.watches - api0.watches,
		writeLog: api1.writeLog[api0.writes:]}
	res.rest.readsPerJob = map[string]int{}
	for _, req := range requests[rest0:] {
		if req.Method != http.MethodGet {
			res.rest.writes++
			res.writeDetail = append(res.writeDetail, req.Method+" "+req.Path)
			continue
		}
		res.rest.reads++
		if req.Route == "GET /jobs/:jobid" {
			res.rest.readsPerJob[strings.TrimPrefix(req.Path, "/jobs/")]++
		}
	}
	res.passes = passes1 - passes0
	res.cpu = cpu2 - cpu1
	res.serverCPU = server2 - server1
	res.resyncs = cfg.steady.Seconds() / cfg.resync.Seconds()
	require.NoError(tb, k8s.List(ctx, list, client.InNamespace(ns)))
	for _, sj := range list.Items {
		if rvs[sj.Name] != sj.ResourceVersion {
			res.rvChanged++
		}
	}
	return res
}

// TestNoOpResyncOfManySessionJobs: 20 session jobs on one session, in a
// manager. Over three resync intervals nothing is written to the API
// server or the JobManager, and each job is read once per resync.
func TestNoOpResyncOfManySessionJobs(t *testing.T) {
	const jobs, resync, steady = 20, time.Second, 3 * time.Second
	res := runSessionJobScale(t, scaleConfig{jobs: jobs, resync: resync, steady: steady, workers: 4})
	t.Logf("converged in %v; steady %v: %d API writes, %d REST writes, %d REST reads, %.0f passes",
		res.converged, steady, res.api.writes, res.rest.writes, res.rest.reads, res.passes)

	assert.Zero(t, res.api.writes, "API writes on a no-op resync: %v", res.api.writeLog)
	assert.Zero(t, res.api.reads, "reads that miss the cache on a no-op resync")
	assert.Zero(t, res.rest.writes, "REST writes on a no-op resync: %v", res.writeDetail)
	assert.Zero(t, res.rvChanged, "FlinkSessionJobs changed on a no-op resync")
	require.Len(t, res.rest.readsPerJob, jobs, "every job resyncs in the steady period")
	most := int(steady/resync) + 1
	for id, n := range res.rest.readsPerJob {
		assert.LessOrEqual(t, n, most, "job %s read %d times in %d resync intervals", id, n, int(steady/resync))
	}
	assert.Equal(t, res.rest.reads, sum(res.rest.readsPerJob), "only the jobs are read")
	// A pass in flight at either end of the period may be counted on one
	// side only: at most one per worker.
	assert.InDelta(t, res.passes, float64(res.rest.reads), 4, "one REST read per pass")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// BenchmarkSessionJobs100: 100 session jobs on one session (issue 20).
// See BENCHMARKS.md, "FlinkSessionJobs at scale", for the command and
// figures.
func BenchmarkSessionJobs100(b *testing.B) {
	cfg := scaleConfig{jobs: 100, resync: 2 * time.Second, steady: 10 * time.Second, workers: 4}
	for b.Loop() {
		res := runSessionJobScale(b, cfg)
		jobs := float64(cfg.jobs)
		b.ReportMetric(res.converged.Seconds(), "s-to-converge")
		b.ReportMetric(res.runningAt[0].Seconds(), "s-to-first-RUNNING")
		b.ReportMetric(res.runningAt[len(res.runningAt)/2].Seconds(), "s-to-median-RUNNING")
		b.ReportMetric(res.convergeCPU, "CPU-s-to-converge")
		b.ReportMetric(res.convergeServerCPU, "server-CPU-s-to-converge")
		b.ReportMetric(float64(res.convergeAPI.writes)/jobs, "API-writes/job-to-converge")
		b.ReportMetric(float64(res.convergeAPI.reads)/jobs, "API-reads/job-to-converge")
		b.ReportMetric(float64(res.convergeRESTWrites)/jobs, "REST-writes/job-to-converge")
		b.ReportMetric(float64(res.convergeREST)/jobs, "REST-requests/job-to-converge")
		b.ReportMetric(float64(res.api.writes), "steady-API-writes")
		b.ReportMetric(float64(res.api.reads), "steady-API-reads")
		b.ReportMetric(float64(res.rest.writes), "steady-REST-writes")
		b.ReportMetric(float64(res.rest.reads)/jobs/res.resyncs, "REST-reads/job/resync")
		b.ReportMetric(float64(res.rest.reads)/res.passes, "REST-reads/pass")
		b.ReportMetric(res.passes/jobs/res.resyncs, "passes/job/resync")
		b.ReportMetric(res.cpu, "steady-CPU-s")
		b.ReportMetric(res.serverCPU, "steady-server-CPU-s")
		b.ReportMetric(res.cpu/res.passes*1e6, "CPU-us/pass")
		for _, k := range slices.Sorted(maps.Keys(res.convergeBreakdown)) {
			b.Logf("to converge: %.2f per job: %s", float64(res.convergeBreakdown[k])/jobs, k)
		}
		if res.api.writes > 0 || res.rest.writes > 0 || res.rvChanged > 0 {
			b.Errorf("a no-op resync wrote: API %v, REST %v, %d FlinkSessionJobs changed", res.api.writeLog, res.writeDetail, res.rvChanged)
		}
	}
}
