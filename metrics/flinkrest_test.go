package metrics_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

const restErrors = "flink_operator_flink_rest_errors_total"

// TestFlinkRESTClientCountsErrors checks the metric the operator hooks into
// the Flink REST client (flinkrest.WithErrorObserver, in the reconciler):
// a failed call is counted once (after its retries) under its endpoint
// template and status, never under the job or trigger id.
func TestFlinkRESTClientCountsErrors(t *testing.T) {
	jm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":["There is no savepoint operation with triggerId=x"]}`))
	}))
	t.Cleanup(jm.Close)
	const jobID, triggerID = "a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

	before := countMatching(t, `code="404",endpoint="/jobs/:jobid/savepoints/:triggerid",method="GET"`)
	c := flinkrest.New(jm.URL, "v1_20", flinkrest.WithRetry(3, 0), flinkrest.WithErrorObserver(metrics.CountRESTError))
	if _, err := c.GetSavepointStatus(context.Background(), jobID, triggerID); err == nil {
		t.Fatal("a 404 answer was not an error")
	}
	if got := countMatching(t, `code="404",endpoint="/jobs/:jobid/savepoints/:triggerid",method="GET"`); got != before+1 {
		t.Errorf("404 counted %v times, want once", got-before)
	}

	// Nothing listens: a transport error, with no status code.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	before = countMatching(t, `code="none",endpoint="/overview",method="GET"`)
	if _, err := flinkrest.New("http://"+addr, "v1_20", flinkrest.WithRetry(1, 0), flinkrest.WithErrorObserver(metrics.CountRESTError)).GetOverview(context.Background()); err == nil {
		t.Fatal("a closed port answered")
	}
	if got := countMatching(t, `code="none",endpoint="/overview",method="GET"`); got != before+1 {
		t.Errorf("transport error counted %v times, want once", got-before)
	}

	// A cancelled context is the operator stopping, not Flink failing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum := sumAll(t)
	_, _ = c.GetOverview(ctx)
	if sumAll(t) != sum {
		t.Error("a call with a cancelled context was counted as a Flink REST error")
	}
}

// countMatching is the value of the rest error series whose labels,
// sorted by name as Gather returns them, print as labels.
func countMatching(t *testing.T, labels string) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != restErrors {
			continue
		}
		for _, m := range f.GetMetric() {
			s := ""
			for i, l := range m.GetLabel() {
				if i > 0 {
					s += ","
				}
				s += l.GetName() + `="` + l.GetValue() + `"`
			}
			if s == labels {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func sumAll(t *testing.T) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() == restErrors {
			for _, m := range f.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}
