package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// operatorProcess is one flink-operator binary run by a test, with its
// metrics and probe endpoints on free local ports.
type operatorProcess struct {
	name        string
	cmd         *exec.Cmd
	logs        *lockedBuffer
	metricsAddr string
	probeAddr   string
	exited      chan struct{}
}

// startOperator runs bin against the API server of kubeconfig with args
// added to metrics and probe addresses of its own. The process is killed
// when the test ends.
func startOperator(t *testing.T, name, bin, kubeconfig string, args ...string) *operatorProcess {
	t.Helper()
	p := &operatorProcess{name: name, logs: &lockedBuffer{}, metricsAddr: freeAddr(t), probeAddr: freeAddr(t), exited: make(chan struct{})}
	args = append([]string{"--metrics-bind-address", p.metricsAddr, "--health-probe-bind-address", p.probeAddr}, args...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start operator %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of operator %s:\n%s", name, p.logs.String())
		}
	})
	return p
}

// kill stops the process at once, without a chance to release its Lease,
// as a crashed or partitioned replica would.
func (p *operatorProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// metrics scrapes the process's metrics endpoint.
func (p *operatorProcess) metrics(t *testing.T) (map[string][]sample, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.metricsAddr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape operator %s: %w", p.name, err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse metrics of operator %s: %w", p.name, err)
	}
	out := map[string][]sample{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			s := sample{labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Gauge != nil:
				s.value = m.GetGauge().GetValue()
			case m.Counter != nil:
				s.value = m.GetCounter().GetValue()
			case m.Histogram != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
			}
			out[name] = append(out[name], s)
		}
	}
	return out, nil
}

// metric sums the series of name whose labels include want; absent series
// count as 0.
func (p *operatorProcess) metric(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	all, err := p.metrics(t)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
series:
	for _, s := range all[name] {
		for k, v := range want {
			if s.labels[k] != v {
				continue series
			}
		}
		total += s.value
	}
	return total
}

// probe answers the status code of a probe path (/healthz, /readyz).
func (p *operatorProcess) probe(path string) int {
	resp, err := http.Get("http://" + p.probeAddr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

type sample struct {
	labels map[string]string
	value  float64
}

// eventually polls cond every 200ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func containsAny(s string, subs ...string) string {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return sub
		}
	}
	return ""
}

// edit changes FlinkDeployment ns/name, retrying on conflicts
// with the operator's status writes.
func edit(t *testing.T, k8s client.Client, ns, name string, change func(*v1beta1.FlinkDeployment)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		fd := &v1beta1.FlinkDeployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, fd); err != nil {
			return err
		}
		change(fd)
		return k8s.Update(context.Background(), fd)
	})
	if err != nil {
		t.Fatalf("edit FlinkDeployment %s/%s: %v", ns, name, err)
	}
}

// freshAPIServer starts an API server of the test's own, stopped when the
// test ends, creates the namespaces and returns a client for it.
func freshAPIServer(t *testing.T, namespaces ...string) (*testenv.Env, client.Client) {
	t.Helper()
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	k8s := mustClient(t, env.Config)
	for _, ns := range namespaces {
		if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	return env, k8s
}
