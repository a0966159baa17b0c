package metrics

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// InstrumentReconciler wraps r so that every pass is timed into
// flink_operator_reconcile_duration_seconds by its result.
// controller-runtime's own controller_runtime_reconcile_time_seconds has
// no result label, and a slow failing pass looks very different from a
// slow successful one.
func InstrumentReconciler(r reconcile.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		start := time.Now()
		res, err := r.Reconcile(ctx, req)
		ObserveReconcile(resultOf(res, err), time.Since(start))
		return res, err
	})
}

// resultOf names a reconcile outcome the way controller-runtime does.
func resultOf(res reconcile.Result, err error) string {
	switch {
	case err != nil:
		return ResultError
	case res.RequeueAfter > 0:
		return ResultRequeueAfter
	case res.Requeue: //nolint:staticcheck // still honoured by controller-runtime, and the reconciler uses it
		return ResultRequeue
	default:
		return ResultSuccess
	}
}
