package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/testenv"
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
		bin := buildOperator(b)
		metricsAddr := freeAddr(b)
		pprofAddr := freeAddr(b)

		cmd := exec.Command(bin, "--kubeconfig", kubeconfig, "--leader-elect=false",
			"--metrics-bind-address", metricsAddr, "--health-probe-bind-address", "0",
			"--max-concurrent-reconciles", "8", "--pprof-bind-address", pprofAddr, "--zap-log-level", "error",
			// Nothing answers REST here; JobManagers never become available
			// in envtest, so the REST API is never called.
			"--rest-url-template", "http://127.0.0.1:1/{{namespace}}/{{name}}")
		cmd.Stderr = os.Stderr
		// SCALE_GOMEMLIMIT runs the operator with Go's soft memory limit,
		// as the Helm chart does from the pod's memory limit.
		if limit := os.Getenv("SCALE_GOMEMLIMIT"); limit != "" {
			cmd.Env = append(os.Environ(), "GOMEMLIMIT="+limit)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()

		ctx := context.Background()
		start := time.Now()
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

		// Steady state: a full resync interval (60s) with nothing changing.
		before := requestCount(b, metricsAddr)
		time.Sleep(65 * time.Second)
		after := requestCount(b, metricsAddr)

		if path := os.Getenv("SCALE_HEAP_PROFILE"); path != "" {
			saveHeapProfile(b, pprofAddr, path)
		}
		b.ReportMetric(created.Seconds(), "s-to-create")
		b.ReportMetric(converged.Seconds(), "s-to-converge")
		b.ReportMetric(float64(after-before)/float64(namespaces*perNamespace), "steady-requests/CR/min")
		b.ReportMetric(procMiB(b, cmd.Process.Pid, "VmRSS"), "RSS-MiB")
		b.ReportMetric(procMiB(b, cmd.Process.Pid, "VmHWM"), "peak-RSS-MiB")
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
	bin := filepath.Join(tb.TempDir(), "flink-operator")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
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
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "rest_client_requests_total{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}

func procMiB(tb testing.TB, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	tb.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// saveHeapProfile writes the operator's heap profile, for `go tool pprof`.
func saveHeapProfile(tb testing.TB, addr, path string) {
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?gc=1")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		tb.Fatal(err)
	}
}
