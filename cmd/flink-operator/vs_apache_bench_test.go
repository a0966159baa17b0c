package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// BenchmarkVsApache runs this operator and the Apache Flink Kubernetes
// Operator side by side on one API server (issue 23), each as its own
// process watching its own namespaces, one after the other: the same N
// stateless FlinkDeployments for each, N from BENCH_VS_APACHE_N (default
// "100,1000"), BENCH_VS_APACHE_ROUNDS times (default 1). It also measures
// the API server's floor for the writes that converging N CRs needs. See
// BENCHMARKS.md, "Beside the Apache operator (issue 23)".
//
//	make bench-vs-apache
func BenchmarkVsApache(b *testing.B) {
	requireApacheTools(b)
	sizes := benchSizes(b)
	rounds := 1
	if s := os.Getenv("BENCH_VS_APACHE_ROUNDS"); s != "" {
		var err error
		if rounds, err = strconv.Atoi(s); err != nil || rounds < 1 {
			b.Fatalf("BENCH_VS_APACHE_ROUNDS=%q: want a positive number", s)
		}
	}
	// The benchmark's own clients log nothing.
	logf.SetLogger(logr.Discard())
	for b.Loop() {
		classpath := apacheOperatorClasspath(b)
		dir := b.TempDir()
		audit, flags := newAPIServerAudit(b, dir, userOurs, userApache, shardUser("a"), shardUser("b"))
		env, err := testenv.Start(testenv.WithAPIServerFlags(flags), testenv.WithCRDPaths(
			filepath.Join(testenv.RepoRoot(), "charts", "flink-operator", "crds"),
			extractSessionJobCRD(b, classpath, filepath.Join(dir, "crds"))))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = env.Stop() })
		bench := &vsApache{
			env: env, audit: audit, k8s: mustClient(b, env.Config), dir: dir,
			classpath: classpath, ours: buildReleaseOperator(b),
		}
		var results []runResult
		floors := map[int]floorResult{}
		for _, n := range sizes {
			for r := range rounds {
				for _, v := range benchVariants() {
					var res runResult
					if v.shards {
						shards := bench.runShards(b, v, n, r)
						results = append(results, shards...)
						for _, s := range shards {
							fmt.Fprint(os.Stderr, s.summary())
						}
						res = shards[0]
					} else {
						res = bench.run(b, v, n, r)
						results = append(results, res)
						fmt.Fprint(os.Stderr, res.summary())
					}
					if _, ok := floors[n]; !ok && !v.apache {
						floors[n] = bench.floor(b, n, res.namespaces)
						fmt.Fprintf(os.Stderr, "floor at N=%d: %d applies and %d status writes in %.1f s\n",
							n, floors[n].applies, floors[n].statuses, floors[n].elapsed.Seconds())
					}
				}
			}
		}
		fmt.Fprint(os.Stderr, resultTable(results, floors))
	}
}

const (
	userOurs   = "flink-operator"
	userApache = "apache-operator"
	// The same CRs in 10 namespaces per run, as the scale benchmark.
	benchNamespaces = 10
	steadyWindow    = 60 * time.Second
	convergeTimeout = 15 * time.Minute
)

// variant is one operator with its settings.
type variant struct {
	name    string // as the table shows it
	short   string // in namespace names
	apache  bool
	jvmArgs []string
	// shards: this operator as two processes, each with a --label-selector
	// for half the fleet and a leader election Lease of its own
	// (vs_apache_shards_test.go).
	shards bool
}

// benchVariants: this operator with its chart's settings; the Apache
// operator with its chart's JVM options (none: the JVM sizes its heap from
// the machine's memory) and with a small heap.
// BENCH_VS_APACHE_ONLY (for example "apache256") runs only the variants
// named, comma-separated: for working on the harness.
func benchVariants() []variant {
	all := []variant{
		{name: "this operator", short: "ours"},
		{name: "2 shards", short: "shards", shards: true},
		{name: "Apache 1.7.0", short: "apache", apache: true},
		{name: "Apache 1.7.0 -Xmx256m", short: "apache256", apache: true, jvmArgs: []string{"-Xmx256m"}},
	}
	only := os.Getenv("BENCH_VS_APACHE_ONLY")
	if only == "" {
		return all
	}
	var out []variant
	for _, v := range all {
		if slices.Contains(strings.Split(only, ","), v.short) {
			out = append(out, v)
		}
	}
	return out
}

func benchSizes(tb testing.TB) []int {
	spec := os.Getenv("BENCH_VS_APACHE_N")
	if spec == "" {
		spec = "100,1000"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < benchNamespaces || n%benchNamespaces != 0 {
			tb.Fatalf("BENCH_VS_APACHE_N=%q: want multiples of %d, comma-separated", spec, benchNamespaces)
		}
		out = append(out, n)
	}
	return out
}

type vsApache struct {
	env       *testenv.Env
	audit     *apiServerAudit
	k8s       client.Client
	dir       string
	classpath string
	ours      string // the release build of flink-operator
}

// runResult is what one operator did with N FlinkDeployments.
type runResult struct {
	variant          variant
	n, round         int
	create, converge time.Duration // from the first create
	idle, converged  memorySnapshot
	steady           memorySnapshot
	convergeRequests requestCounts
	steadyRequests   requestCounts
	namespaces       []string
}

func (v *vsApache) run(tb testing.TB, vr variant, n, round int) runResult {
	res := v.newRun(tb, vr, n, round)
	runDir := filepath.Join(v.dir, fmt.Sprintf("%s-n%d-r%d", vr.short, n, round))
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		tb.Fatalf("create %s: %v", runDir, err)
	}
	var p *benchProcess
	user := userOurs
	if vr.apache {
		user = userApache
		p = startApacheOperator(tb, v.classpath, v.kubeconfig(tb, userApache, runDir), runDir, res.namespaces, vr.jvmArgs)
	} else {
		p = v.startOurs(tb, userOurs, runDir, res.namespaces, "--leader-elect=false")
	}
	defer p.stop()
	p.waitReady(tb, 3*time.Minute)
	time.Sleep(5 * time.Second) // let start-up work settle
	res.idle = processSnapshot(tb, p.pid())

	start := time.Now()
	v.createCRs(tb, res.namespaces, n, nil)
	res.create = time.Since(start)
	v.waitConverged(tb, []*benchProcess{p}, res.namespaces, n)
	convergedAt := time.Now()
	res.converge = convergedAt.Sub(start)
	res.converged = processSnapshot(tb, p.pid())

	time.Sleep(2 * time.Second) // requests in flight at convergence
	steadyFrom := time.Now()
	time.Sleep(steadyWindow)
	steadyTo := time.Now()
	res.steady = processSnapshot(tb, p.pid())
	if p.exited() {
		tb.Fatalf("%s exited during the run; the end of its log:\n%s", vr.name, p.logTail())
	}
	p.stop()
	res.convergeRequests = v.audit.count(tb, user, start, convergedAt)
	res.steadyRequests = v.audit.count(tb, user, steadyFrom, steadyTo)
	return res
}

// newRun makes the namespaces of one run.
func (v *vsApache) newRun(tb testing.TB, vr variant, n, round int) runResult {
	res := runResult{variant: vr, n: n, round: round}
	for i := range benchNamespaces {
		ns := fmt.Sprintf("%s-n%d-r%d-%d", vr.short, n, round, i)
		if err := v.k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			tb.Fatalf("create namespace %s: %v", ns, err)
		}
		res.namespaces = append(res.namespaces, ns)
	}
	return res
}

// startOurs runs the release build of this operator with its chart's
// defaults (4 parallel reconciles, info logs, controller-runtime's client
// settings), authenticated as user, with extra flags: the single operator
// turns leader election off, which the Apache operator's chart leaves off
// too; shards turn it on, each with a Lease of its own.
func (v *vsApache) startOurs(tb testing.TB, user, dir string, namespaces []string, extra ...string) *benchProcess {
	probe := freeAddr(tb)
	args := []string{"--kubeconfig", v.kubeconfig(tb, user, dir),
		"--watch-namespaces", strings.Join(namespaces, ","),
		"--metrics-bind-address", freeAddr(tb), "--health-probe-bind-address", probe,
		"--max-concurrent-reconciles", "4", "--zap-log-level", "info",
		// Nothing answers REST: JobManagers never become ready in envtest.
		"--rest-url-template", "http://127.0.0.1:1/{{namespace}}/{{name}}"}
	cmd := exec.Command(v.ours, append(args, extra...)...)
	p := startProcess(tb, cmd, filepath.Join(dir, "operator.log"))
	p.ready = func() bool { return httpOK("http://" + probe + "/readyz") }
	return p
}

// kubeconfig writes a kubeconfig that authenticates as user with its
// bearer token from the API server's token file.
func (v *vsApache) kubeconfig(tb testing.TB, user, dir string) string {
	cfg := v.env.Config
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: v.audit.tokens[user]}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: user}
	kc.CurrentContext = "envtest"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		tb.Fatalf("write the kubeconfig of %s to %s: %v", user, path, err)
	}
	return path
}

// createCRs creates n FlinkDeployments, evenly across namespaces, with 8
// parallel clients; labels, when set, gives the i-th of each namespace its
// labels.
func (v *vsApache) createCRs(tb testing.TB, namespaces []string, n int, labels func(i int) map[string]string) {
	jobs := make(chan *v1beta1.FlinkDeployment)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for fd := range jobs {
				if err := v.k8s.Create(context.Background(), fd); err != nil {
					errs <- fmt.Errorf("create FlinkDeployment %s/%s: %w", fd.Namespace, fd.Name, err)
				}
			}
		})
	}
	for i := range n / len(namespaces) {
		for _, ns := range namespaces {
			fd := vsApacheCR(ns, fmt.Sprintf("job-%04d", i))
			if labels != nil {
				fd.Labels = labels(i)
			}
			jobs <- fd
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// vsApacheCR is the scale benchmark's FlinkDeployment on Flink 1.18: the
// newest version the Apache operator 1.7.0 accepts (it rejects v1_20 when
// it decodes the CR, and stops watching).
func vsApacheCR(ns, name string) *v1beta1.FlinkDeployment {
	fd := scaleCR(ns, name)
	fd.Spec.Image, fd.Spec.FlinkVersion = "flink:1.18", "v1_18"
	return fd
}

// convergedStates are the lifecycle states both operators write once a
// cluster's JobManager Deployment exists: DEPLOYED while the JobManager
// starts (here, forever), STABLE after.
var convergedStates = map[string]bool{"DEPLOYED": true, "STABLE": true}

// waitConverged polls until every FlinkDeployment in namespaces is
// converged: its JobManager Deployment (named as the CR, Flink's native
// naming, which both operators follow) exists, and its status says DEPLOYED
// or STABLE, a status both write only after creating that Deployment.
func (v *vsApache) waitConverged(tb testing.TB, ps []*benchProcess, namespaces []string, n int) {
	deadline := time.Now().Add(convergeTimeout)
	for {
		done := 0
		for _, ns := range namespaces {
			done += v.convergedIn(tb, ns)
		}
		if done == n {
			return
		}
		for _, p := range ps {
			if p.exited() {
				tb.Fatalf("the operator exited with %d of %d FlinkDeployments converged; the end of its log:\n%s", done, n, p.logTail())
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("only %d of %d FlinkDeployments converged in %v; the end of the operator's log:\n%s", done, n, convergeTimeout, ps[0].logTail())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (v *vsApache) convergedIn(tb testing.TB, ns string) int {
	ctx := context.Background()
	deployments := &metav1.PartialObjectMetadataList{}
	deployments.SetGroupVersionKind(appsv1.SchemeGroupVersion.WithKind("DeploymentList"))
	if err := v.k8s.List(ctx, deployments, client.InNamespace(ns)); err != nil {
		tb.Fatalf("list Deployments in %s: %v", ns, err)
	}
	have := map[string]bool{}
	for _, d := range deployments.Items {
		have[d.Name] = true
	}
	// Unstructured: each operator writes its own status fields.
	crs := &unstructured.UnstructuredList{}
	crs.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("FlinkDeploymentList"))
	if err := v.k8s.List(ctx, crs, client.InNamespace(ns)); err != nil {
		tb.Fatalf("list FlinkDeployments in %s: %v", ns, err)
	}
	done := 0
	for _, cr := range crs.Items {
		state, _, _ := unstructured.NestedString(cr.Object, "status", "lifecycleState")
		if have[cr.GetName()] && convergedStates[state] {
			done++
		}
	}
	return done
}

// processSnapshot reads a process's memory (MiB) and CPU time from /proc,
// for either operator.
func processSnapshot(tb testing.TB, pid int) memorySnapshot {
	return memorySnapshot{proc: procStatus(tb, pid), cpuSeconds: procCPUSeconds(tb, pid)}
}

// floorConfig is the client configuration both the operator and the floor
// measurement use: controller-runtime's, which turns client-side rate
// limiting off (QPS -1) and leaves flow control to the API server.
func floorConfig(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}
