package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// BenchmarkScale1000 runs the built flink-operator binary against a real
// API server, creates 1,000 stateless FlinkDeployments across 10 namespaces
// and reports: seconds until every one is applied and has status, API
// requests per FlinkDeployment over a steady minute, and the operator's
// resident memory. See BENCHMARKS.md for the command and figures.
func BenchmarkScale1000(b *testing.B) {
	const namespaces, perNamespace = 10, 100
	for b.Loop() {
		env, err := testenv.Start()
		if err != nil {
			b.Fatal(err)
		}
		defer env.Stop()
		k8s := mustClient(b, env.Config)
		kubeconfig := writeKubeconfig(b, env.Config)
		// SCALE_OPERATOR_BIN runs a binary built elsewhere, to compare
		// builds under the same conditions.
		bin := os.Getenv("SCALE_OPERATOR_BIN")
		if bin == "" {
			bin = buildReleaseOperator(b)
		}
		metricsAddr := freeAddr(b)
		pprofAddr := freeAddr(b)

		args := []string{"--kubeconfig", kubeconfig, "--leader-elect=false",
			"--metrics-bind-address", metricsAddr, "--health-probe-bind-address", "0",
			"--max-concurrent-reconciles", "8", "--zap-log-level", "error",
			// Nothing answers REST here; JobManagers never become available
			// in envtest, so the REST API is never called.
			"--rest-url-template", "http://127.0.0.1:1/{{namespace}}/{{name}}"}
		// pprof only when a profile is asked for: like production, where
		// it is off, the measured run then keeps no heap profile.
		heapProfile, goroutines := os.Getenv("SCALE_HEAP_PROFILE"), os.Getenv("SCALE_GOROUTINES")
		// SCALE_CPU_PROFILE: a CPU profile of the first 30 s after the
		// first create, where converging spends its time (issue 23).
		// SCALE_STEADY_CPU_PROFILE: one of the steady minute.
		cpuProfile, steadyProfile := os.Getenv("SCALE_CPU_PROFILE"), os.Getenv("SCALE_STEADY_CPU_PROFILE")
		if heapProfile != "" || goroutines != "" || cpuProfile != "" || steadyProfile != "" {
			args = append(args, "--pprof-bind-address", pprofAddr)
		}
		// SCALE_OPERATOR_ARGS adds flags (for example --gc-percent or
		// --memory-limit) to compare settings.
		args = append(args, strings.Fields(os.Getenv("SCALE_OPERATOR_ARGS"))...)
		cmd := exec.Command(bin, args...)
		cmd.Stderr = os.Stderr
		// SCALE_GOMEMLIMIT and SCALE_GOGC set Go's own environment variables
		// for the operator, which take precedence over its defaults.
		cmd.Env = os.Environ()
		if limit := os.Getenv("SCALE_GOMEMLIMIT"); limit != "" {
			cmd.Env = append(cmd.Env, "GOMEMLIMIT="+limit)
		}
		if gogc := os.Getenv("SCALE_GOGC"); gogc != "" {
			cmd.Env = append(cmd.Env, "GOGC="+gogc)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()

		ctx := context.Background()
		start := time.Now()
		profiled := make(chan error, 1)
		if cpuProfile != "" {
			go func() {
				// The operator opens its pprof endpoint a moment after it starts.
				for i := 0; i < 100 && !httpOK("http://"+pprofAddr+"/debug/pprof/"); i++ {
					time.Sleep(100 * time.Millisecond)
				}
				profiled <- fetchPprof(pprofAddr, "profile?seconds=30", cpuProfile)
			}()
		} else {
			profiled <- nil
		}
		for n := range namespaces {
			ns := fmt.Sprintf("scale-%d", n)
			if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
				b.Fatal(err)
			}
			for i := range perNamespace {
				if err := k8s.Create(ctx, scaleCR(ns, fmt.Sprintf("job-%03d", i))); err != nil {
					b.Fatal(err)
				}
			}
		}
		created := time.Since(start)
		deadline := time.Now().Add(5 * time.Minute)
		for {
			list := &v1beta1.FlinkDeploymentList{}
			if err := k8s.List(ctx, list); err != nil {
				b.Fatal(err)
			}
			done := 0
			for _, fd := range list.Items {
				if fd.Status.ObservedGeneration == fd.Generation && fd.Status.LifecycleState != "" {
					done++
				}
			}
			if done == namespaces*perNamespace {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d FlinkDeployments converged", done, namespaces*perNamespace)
			}
			time.Sleep(200 * time.Millisecond)
		}
		converged := time.Since(start)
		atConvergence := readMemory(b, cmd.Process.Pid, metricsAddr)
		if err := <-profiled; err != nil {
			b.Fatalf("CPU profile: %v", err)
		}

		// Steady state: a full resync interval (60s) with nothing changing.
		// envtest runs no Deployment controller, so every JobManager stays
		// "deploying" and each FlinkDeployment is observed again every
		// progress interval (5s): 200 passes a second, more work than a
		// fleet of running clusters (one pass a minute each) makes.
		before, methodsBefore := requestCount(b, metricsAddr), requestsByMethod(b, metricsAddr)
		childrenBefore := childVersions(b, k8s)
		if steadyProfile != "" {
			// The profile covers the steady minute itself.
			savePprof(b, pprofAddr, "profile?seconds=60", steadyProfile)
			time.Sleep(5 * time.Second)
		} else {
			time.Sleep(65 * time.Second)
		}
		after, methodsAfter := requestCount(b, metricsAddr), requestsByMethod(b, metricsAddr)
		childWrites := 0
		for uid, rv := range childVersions(b, k8s) {
			if childrenBefore[uid] != rv {
				childWrites++
			}
		}
		for method, n := range methodsAfter {
			if n != methodsBefore[method] {
				fmt.Fprintf(os.Stderr, "requests in the steady minute: %s %.0f\n", method, n-methodsBefore[method])
			}
		}
		steady := readMemory(b, cmd.Process.Pid, metricsAddr)

		if goroutines != "" {
			savePprof(b, pprofAddr, "goroutine?debug=1", goroutines)
		}
		if heapProfile != "" {
			savePprof(b, pprofAddr, "heap?gc=1", heapProfile)
		}
		// Printed rather than logged: the testing package trims a
		// benchmark's log to ten lines.
		fmt.Fprintf(os.Stderr, "operator memory when converged:\n%s\noperator memory after the steady minute:\n%s\n", atConvergence, steady)
		b.ReportMetric(created.Seconds(), "s-to-create")
		b.ReportMetric(converged.Seconds(), "s-to-converge")
		b.ReportMetric(float64(after-before)/float64(namespaces*perNamespace), "steady-requests/CR/min")
		b.ReportMetric(float64(childWrites), "steady-child-writes")
		b.ReportMetric(atConvergence.cpuSeconds, "CPU-s-to-converge")
		b.ReportMetric(atConvergence.gcCycles, "GCs-to-converge")
		b.ReportMetric(steady.cpuSeconds-atConvergence.cpuSeconds, "steady-CPU-s")
		b.ReportMetric(atConvergence.proc["VmRSS"], "converged-RSS-MiB")
		b.ReportMetric(steady.proc["VmRSS"], "RSS-MiB")
		b.ReportMetric(steady.proc["VmHWM"], "peak-RSS-MiB")
		b.ReportMetric(steady.proc["RssAnon"], "RssAnon-MiB")
		b.ReportMetric(steady.proc["RssFile"], "RssFile-MiB")
		b.ReportMetric(steady.proc["RssShmem"], "RssShmem-MiB")
		b.ReportMetric(steady.runtime["heap_objects"], "heap-objects-MiB")
		b.ReportMetric(steady.runtime["heap_free"], "heap-free-MiB")
		b.ReportMetric(steady.runtime["heap_released"], "heap-released-MiB")
		b.ReportMetric(steady.goroutines, "goroutines")
	}
}

func scaleCR(ns, name string) *v1beta1.FlinkDeployment {
	return &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink",
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]any{"taskmanager.numberOfTaskSlots": 2}),
			JobManager:         &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{Memory: "2048m", CPU: ptr.To(1.0)}},
			TaskManager:        &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{Memory: "2048m", CPU: ptr.To(1.0)}},
			Job: &v1beta1.JobSpec{
				JarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar", Parallelism: 2,
				UpgradeMode: v1beta1.UpgradeModeStateless,
			},
		},
	}
}

func mustClient(tb testing.TB, cfg *rest.Config) client.Client {
	scheme, err := reconciler.NewScheme()
	if err != nil {
		tb.Fatal(err)
	}
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		tb.Fatal(err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 500, 1000
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func writeKubeconfig(tb testing.TB, cfg *rest.Config) string {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["envtest"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "envtest"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(tb.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

func buildOperator(tb testing.TB) string {
	return buildOperatorWith(tb, nil)
}

// buildReleaseOperator builds the binary as `make release` does (no cgo,
// paths trimmed, no symbol table): how the binary is linked shows in its
// resident memory, so the scale benchmark measures the one that ships.
func buildReleaseOperator(tb testing.TB) string {
	return buildOperatorWith(tb, []string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags=-s -w")
}

// buildOperatorWith builds flink-operator with extra environment variables
// (NAME=value) and go build flags.
func buildOperatorWith(tb testing.TB, env []string, flags ...string) string {
	bin := filepath.Join(tb.TempDir(), "flink-operator")
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	build := exec.Command("go", args...)
	build.Env = append(os.Environ(), env...)
	out, err := build.CombinedOutput()
	if err != nil {
		tb.Fatalf("build flink-operator: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// requestCount sums the operator's client-go request counter.
func requestCount(tb testing.TB, addr string) float64 {
	return scrape(tb, addr)["rest_client_requests_total"]
}

// requestsByMethod splits the operator's client-go request counter by HTTP
// method, to tell reads from writes.
func requestsByMethod(tb testing.TB, addr string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range scrapeFamilies(tb, addr)["rest_client_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "method" {
				out[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// childVersions reads the resourceVersion of every object the operator
// created (ConfigMaps, Services, Deployments), by UID: any change between
// two reads is a write to a child.
func childVersions(tb testing.TB, k8s client.Client) map[string]string {
	out := map[string]string{}
	for _, list := range []client.ObjectList{&corev1.ConfigMapList{}, &corev1.ServiceList{}, &appsv1.DeploymentList{}} {
		if err := k8s.List(context.Background(), list, client.MatchingLabelsSelector{Selector: reconciler.ManagedSelector()}); err != nil {
			tb.Fatal(err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			tb.Fatal(err)
		}
		for _, item := range items {
			obj := item.(client.Object)
			out[string(obj.GetUID())] = obj.GetResourceVersion()
		}
	}
	return out
}

// scrape reads the operator's metrics endpoint and sums each metric over
// its label sets.
func scrape(tb testing.TB, addr string) map[string]float64 {
	families := scrapeFamilies(tb, addr)
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			switch {
			case m.Gauge != nil:
				out[name] += m.GetGauge().GetValue()
			case m.Counter != nil:
				out[name] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// scrapeFamilies reads the operator's metrics endpoint.
func scrapeFamilies(tb testing.TB, addr string) map[string]*dto.MetricFamily {
	var resp *http.Response
	var err error
	for range 50 {
		if resp, err = http.Get("http://" + addr + "/metrics"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("parse the operator's metrics: %v", err)
	}
	return families
}

// memorySnapshot is where the operator's memory is at one moment: the
// kernel's view (/proc/<pid>/status: resident anonymous, file-backed and
// shared pages) and the Go runtime's (runtime/metrics /memory/classes/...,
// which controller-runtime exports as go_memory_classes_*_bytes). All
// figures are MiB.
//
// It also holds the CPU time the process has used and how many garbage
// collections ran: memory settings trade one for the other, and CPU
// seconds, unlike wall time, hardly depend on what else the shared machine
// runs. (The runtime's own /cpu/classes/gc figures are wall time times
// GOMAXPROCS, which a loaded machine inflates.)
type memorySnapshot struct {
	proc       map[string]float64 // VmRSS, VmHWM, RssAnon, RssFile, RssShmem
	runtime    map[string]float64 // heap_objects, heap_free, heap_released, ...
	goroutines float64
	heapGoal   float64
	cpuSeconds float64 // user + system, from /proc/<pid>/stat
	gcCycles   float64 // /gc/cycles/total:gc-cycles
}

func readMemory(tb testing.TB, pid int, metricsAddr string) memorySnapshot {
	snap := memorySnapshot{proc: procStatus(tb, pid), runtime: map[string]float64{}, cpuSeconds: procCPUSeconds(tb, pid)}
	const prefix, suffix = "go_memory_classes_", "_bytes"
	for name, v := range scrape(tb, metricsAddr) {
		switch {
		case strings.HasPrefix(name, prefix) && strings.HasSuffix(name, suffix):
			snap.runtime[strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix)] = v / (1 << 20)
		case name == "go_sched_goroutines_goroutines":
			snap.goroutines = v
		case name == "go_gc_heap_goal_bytes":
			snap.heapGoal = v / (1 << 20)
		case name == "go_gc_cycles_total_gc_cycles_total":
			snap.gcCycles = v
		}
	}
	return snap
}

// procCPUSeconds reads the user and system time of a process. The kernel
// reports them in clock ticks of 1/100 s (USER_HZ, fixed on Linux).
func procCPUSeconds(tb testing.TB, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// The command name (field 2) may hold spaces; fields are counted
	// after its closing parenthesis, where field 3 (state) starts.
	_, rest, ok := strings.Cut(string(data), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		tb.Fatalf("unexpected /proc/%d/stat: %q", pid, data)
	}
	total := 0.0
	for _, f := range fields[11:13] { // utime (field 14), stime (field 15)
		ticks, err := strconv.ParseFloat(f, 64)
		if err != nil {
			tb.Fatalf("/proc/%d/stat: %v", pid, err)
		}
		total += ticks / 100
	}
	return total
}

func (m memorySnapshot) String() string {
	var sb strings.Builder
	for _, k := range []string{"VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"} {
		fmt.Fprintf(&sb, "  %-8s %7.1f MiB\n", k, m.proc[k])
	}
	names := make([]string, 0, len(m.runtime))
	for k := range m.runtime {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&sb, "  /memory/classes/%-28s %7.1f MiB\n", strings.ReplaceAll(k, "_", "/"), m.runtime[k])
	}
	fmt.Fprintf(&sb, "  heap goal %.1f MiB, %.0f goroutines\n", m.heapGoal, m.goroutines)
	fmt.Fprintf(&sb, "  CPU %.1f s, %.0f garbage collections", m.cpuSeconds, m.gcCycles)
	return sb.String()
}

// procStatus reads the memory lines of /proc/<pid>/status, in MiB.
func procStatus(tb testing.TB, pid int) map[string]float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		key, rest, ok := strings.Cut(line, ":")
		fields := strings.Fields(rest)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			tb.Fatalf("/proc/%d/status: %s: %v", pid, key, err)
		}
		out[key] = kb / 1024
	}
	for _, k := range []string{"VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"} {
		if _, ok := out[k]; !ok {
			tb.Fatalf("no %s in /proc/%d/status", k, pid)
		}
	}
	return out
}

// savePprof writes one of the operator's pprof endpoints (a heap profile
// for `go tool pprof`, or goroutine stacks) to path.
func savePprof(tb testing.TB, addr, endpoint, path string) {
	if err := fetchPprof(addr, endpoint, path); err != nil {
		tb.Fatal(err)
	}
}

// fetchPprof saves a pprof endpoint's answer to path.
func fetchPprof(addr, endpoint, path string) error {
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + endpoint)
	if err != nil {
		return fmt.Errorf("get %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return fmt.Errorf("save %s: %w", endpoint, err)
	}
	return nil
}
