package reconciler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// requestLog records the API requests an operator's client sends into one
// namespace, named as the API server's audit log names them: verb and
// resource[/subresource]. Lists and watches are left out: the informers
// make them per namespace, not per FlinkDeployment.
type requestLog struct {
	ns string

	mu   sync.Mutex
	seen []string
}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if verb, what, ok := l.name(req); ok {
			if verb == "patch" && strings.HasSuffix(what, "/status") && req.Body != nil {
				// A fence is a status patch that carries nothing but the
				// resourceVersion (fence.go); tell it from a write.
				body, err := io.ReadAll(req.Body)
				if err != nil {
					return nil, err
				}
				req.Body = io.NopCloser(bytes.NewReader(body))
				if !strings.Contains(string(body), `"status"`) {
					what += " (fence)"
				}
			}
			l.mu.Lock()
			l.seen = append(l.seen, verb+" "+what)
			l.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// name returns the audit verb and resource[/subresource] of a request into
// l.ns; false for lists, watches and requests elsewhere.
func (l *requestLog) name(req *http.Request) (string, string, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	i := 0
	for i < len(parts) && parts[i] != "namespaces" {
		i++
	}
	if i+2 >= len(parts) || parts[i+1] != l.ns {
		return "", "", false
	}
	rest := parts[i+2:]
	what := rest[0]
	if len(rest) > 2 {
		what += "/" + rest[2]
	}
	switch {
	case len(rest) == 1 && req.Method == http.MethodPost:
		return "create", what, true
	case len(rest) == 1:
		return "", "", false // list, watch, deletecollection
	case req.Method == http.MethodGet:
		return "get", what, true
	case req.Method == http.MethodPatch && req.Header.Get("Content-Type") == "application/apply-patch+yaml":
		return "apply", what, true
	case req.Method == http.MethodPatch:
		return "patch", what, true
	case req.Method == http.MethodPut:
		return "update", what, true
	case req.Method == http.MethodDelete:
		return "delete", what, true
	}
	return strings.ToLower(req.Method), what, true
}

func (l *requestLog) counts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, s := range l.seen {
		out[s]++
	}
	return out
}

func (l *requestLog) String() string {
	c := l.counts()
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %d\n", k, c[k])
	}
	return b.String()
}

// countingOperator runs an operator of its own, on ns only and on the
// FlinkDeployments the suite's operator leaves alone (directLabel), whose
// every request is logged.
func countingOperator(t *testing.T, ns string) *requestLog {
	t.Helper()
	log := &requestLog{ns: ns}
	cfg := rest.CopyConfig(restConfig)
	cfg.Wrap(log.wrap)
	scheme, err := reconciler.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	sel, err := labels.Parse(directLabel)
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Cache:   reconciler.CacheOptions([]string{ns}, sel),
		Metrics: metricsserver.Options{BindAddress: "0"},
		// The suite's operator registers the same controller name.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &reconciler.Reconciler{
		Client:          mgr.GetClient(),
		APIReader:       mgr.GetAPIReader(),
		Scheme:          mgr.GetScheme(),
		Recorder:        mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate: jmServer.URL + "/{{namespace}}/{{name}}",
	}
	if err := r.SetupWithManager(mgr, 4); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("counting operator: %v", err)
		}
	})
	return log
}

// TestNewStatelessFlinkDeploymentRequests counts, as the API server sees
// them, the requests that converging one new stateless FlinkDeployment
// takes (issue 23; BENCHMARKS.md names each one and why it is made).
func TestNewStatelessFlinkDeploymentRequests(t *testing.T) {
	ns := newNamespace(t)
	log := countingOperator(t, ns)
	createFlinkDeployment(t, ns, strings.Replace(basicSpec, "  name: basic\n", "  name: basic\n  labels: {"+directLabel+": \"true\"}\n", 1))
	eventually(t, 30*time.Second, "converged", func() error {
		fd := &v1beta1.FlinkDeployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, fd); err != nil {
			return err
		}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, &appsv1.Deployment{}); err != nil {
			return err
		}
		if fd.Status.LifecycleState != v1beta1.LifecycleDeployed {
			return fmt.Errorf("lifecycle state %q", fd.Status.LifecycleState)
		}
		return nil
	})
	// Passes the writes set off (the Deployment's watch event) run within
	// moments; the next is the progress check, 5 s on.
	time.Sleep(2 * time.Second)
	t.Logf("requests to converge one new stateless FlinkDeployment:\n%s", log)
	want := map[string]int{
		"patch flinkdeployments": 1, // the finalizer, before any child exists
		// The cache holds only Deployments this operator labelled; one made
		// by another operator must be seen before a first deploy replaces it.
		"get deployments": 1,
		// The write-ahead record of the deploy (job id, restore path), then
		// the deployed spec with the new cluster's observation, in one write.
		"patch flinkdeployments/status": 2,
		"apply configmaps":              2,
		"apply services":                2,
		"apply deployments":             1,
		"create events":                 2, // Submit, LifecycleStateChanged (docs/events.md)
	}
	if got := log.counts(); !maps.Equal(got, want) {
		t.Errorf("requests (verb resource: count):\n%s\nwant %v", log, want)
	}
}
