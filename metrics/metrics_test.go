package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestInstrumentReconcilerTimesEachResult(t *testing.T) {
	g := ctrlmetrics.Registry
	const name = "flink_operator_reconcile_duration_seconds"
	for _, tc := range []struct {
		res    reconcile.Result
		err    error
		result string
	}{
		{reconcile.Result{}, nil, ResultSuccess},
		{reconcile.Result{}, errors.New("apply failed"), ResultError},
		{reconcile.Result{RequeueAfter: time.Second}, nil, ResultRequeueAfter},
		{reconcile.Result{Requeue: true}, nil, ResultRequeue},
	} {
		before := sampleCount(t, g, name, map[string]string{"result": tc.result})
		inner := reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
			time.Sleep(2 * time.Millisecond)
			return tc.res, tc.err
		})
		res, err := InstrumentReconciler(inner).Reconcile(context.Background(), reconcile.Request{})
		if res != tc.res || !errors.Is(err, tc.err) {
			t.Errorf("%s: wrapper changed the outcome: got %v, %v", tc.result, res, err)
		}
		if after := sampleCount(t, g, name, map[string]string{"result": tc.result}); after != before+1 {
			t.Errorf("%s: %d observations, want %d", tc.result, after, before+1)
		}
	}
	m := find(t, g, name, map[string]string{"result": ResultSuccess})
	if m == nil || m.GetHistogram().GetSampleSum() < 0.002 {
		t.Errorf("the 2ms pass was not timed: %v", m)
	}
}

func TestCountersAndHistograms(t *testing.T) {
	g := ctrlmetrics.Registry

	before := sampleCount(t, g, "flink_operator_render_duration_seconds", nil)
	ObserveRender(3 * time.Millisecond)
	if got := sampleCount(t, g, "flink_operator_render_duration_seconds", nil); got != before+1 {
		t.Errorf("render observations = %d, want %d", got, before+1)
	}

	before = sampleCount(t, g, "flink_operator_savepoint_duration_seconds", nil)
	ObserveSavepoint(42 * time.Second)
	if got := sampleCount(t, g, "flink_operator_savepoint_duration_seconds", nil); got != before+1 {
		t.Errorf("savepoint observations = %d, want %d", got, before+1)
	}

	for mode, label := range map[string]string{"savepoint": "savepoint", "last-state": "last-state", "stateless": "stateless", "Savepoint": "unknown"} {
		before := counterValue(t, g, "flink_operator_upgrades_total", map[string]string{"mode": label})
		CountUpgrade(mode)
		if got := counterValue(t, g, "flink_operator_upgrades_total", map[string]string{"mode": label}); got != before+1 {
			t.Errorf("CountUpgrade(%q): upgrades_total{mode=%q} = %v, want %v", mode, label, got, before+1)
		}
	}

	for trigger, label := range map[string]string{"manual": "manual", "periodic": "periodic", "upgrade": "upgrade", "MANUAL": "unknown"} {
		l := map[string]string{"trigger": label, "result": SavepointAbandoned}
		before := counterValue(t, g, "flink_operator_savepoints_total", l)
		CountSavepoint(trigger, SavepointAbandoned)
		if got := counterValue(t, g, "flink_operator_savepoints_total", l); got != before+1 {
			t.Errorf("CountSavepoint(%q): savepoints_total{trigger=%q} = %v, want %v", trigger, label, got, before+1)
		}
	}

	labels := map[string]string{"method": "POST", "endpoint": "/jobs/:jobid/savepoints", "code": "409"}
	before2 := counterValue(t, g, "flink_operator_flink_rest_errors_total", labels)
	CountRESTError("POST", "/jobs/00000000000000000000000000000000/savepoints", 409)
	if got := counterValue(t, g, "flink_operator_flink_rest_errors_total", labels); got != before2+1 {
		t.Errorf("rest errors = %v, want %v", got, before2+1)
	}
	labels = map[string]string{"method": "GET", "endpoint": "/overview", "code": "none"}
	CountRESTError("GET", "/overview", 0)
	if got := counterValue(t, g, "flink_operator_flink_rest_errors_total", labels); got < 1 {
		t.Errorf("a transport error was not counted with code none")
	}
}
