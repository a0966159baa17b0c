// Package metrics holds the operator's own Prometheus metrics. They are
// registered on controller-runtime's registry, so the manager's metrics
// endpoint serves them next to controller-runtime's defaults (work queue,
// reconcile totals, client-go requests, leader election, Go runtime).
//
// Every label has a small, fixed set of values: a result, an upgrade mode,
// a Flink REST endpoint template, a lifecycle state. Names of
// FlinkDeployments, job ids and trigger ids never become label values.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Prefix of every metric defined here.
const namespace = "flink_operator"

// Results of a reconcile, as controller-runtime names them in
// controller_runtime_reconcile_total.
const (
	ResultSuccess      = "success"
	ResultError        = "error"
	ResultRequeue      = "requeue"
	ResultRequeueAfter = "requeue_after"
)

// upgradeModes are the label values CountUpgrade keeps; anything else is
// counted as "unknown" so a typo cannot create a new series.
var upgradeModes = map[string]bool{"stateless": true, "savepoint": true, "last-state": true}

var (
	reconcileDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "reconcile_duration_seconds",
		Help:      "Time one pass over a FlinkDeployment took, by result (success, error, requeue, requeue_after).",
		// A no-op pass takes microseconds; one that renders, applies and
		// calls a slow JobManager takes seconds.
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"result"})

	renderDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "render_duration_seconds",
		Help:      "Time the CUE renderer took to turn one FlinkDeployment into its objects.",
		Buckets:   []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
	})

	savepointDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "savepoint_duration_seconds",
		Help:      "Time from triggering a savepoint to seeing it COMPLETED, for upgrades and suspends.",
		// Savepoints of large state take minutes to tens of minutes.
		Buckets: []float64{1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600},
	})

	upgrades = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "upgrades_total",
		Help:      "Upgrades applied to running Flink clusters, by upgrade mode (stateless, savepoint, last-state).",
	}, []string{"mode"})

	savepoints = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "savepoints_total",
		Help: "Savepoints the operator asked for, by trigger (upgrade, manual, periodic) and result " +
			"(completed; abandoned: a manual or periodic request given up after its grace period or dropped because the job stopped).",
	}, []string{"trigger", "result"})

	restErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "flink_rest_errors_total",
		Help: "Failed Flink REST calls (after retries), by method, endpoint template (e.g. /jobs/:jobid/savepoints/:triggerid) " +
			"and HTTP status code (\"none\" when no error status came back: connection refused, timeout, undecodable body).",
	}, []string{"method", "endpoint", "code"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(reconcileDuration, renderDuration, savepointDuration, savepoints, upgrades, restErrors)
}

// ObserveReconcile records how long one reconcile took and how it ended;
// result is one of the Result* constants.
func ObserveReconcile(result string, d time.Duration) {
	reconcileDuration.WithLabelValues(result).Observe(d.Seconds())
}

// ObserveRender records how long one render took.
func ObserveRender(d time.Duration) {
	renderDuration.Observe(d.Seconds())
}

// ObserveSavepoint records the time from a savepoint's trigger to its
// completion.
func ObserveSavepoint(d time.Duration) {
	savepointDuration.Observe(d.Seconds())
}

// Savepoint results for CountSavepoint.
const (
	SavepointCompleted = "completed"
	SavepointAbandoned = "abandoned"
)

// savepointTriggers are the trigger label's values; anything else is
// counted as "unknown" so the label stays bounded.
var savepointTriggers = map[string]bool{"upgrade": true, "manual": true, "periodic": true}

// CountSavepoint counts one savepoint request that ended: trigger is
// upgrade, manual or periodic; result is SavepointCompleted or
// SavepointAbandoned.
func CountSavepoint(trigger, result string) {
	if !savepointTriggers[trigger] {
		trigger = "unknown"
	}
	savepoints.WithLabelValues(trigger, result).Inc()
}

// CountUpgrade counts one upgrade applied with the given upgrade mode
// (spec.job.upgradeMode: stateless, savepoint or last-state).
func CountUpgrade(mode string) {
	if !upgradeModes[mode] {
		mode = "unknown"
	}
	upgrades.WithLabelValues(mode).Inc()
}

// CountRESTError counts one failed Flink REST call. path is the request
// path as sent (/jobs/<id>/savepoints/<trigger>); it is reduced to its
// endpoint template. status is the HTTP status of the error answer, 0 when
// there was none.
func CountRESTError(method, path string, status int) {
	code := "none"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	restErrors.WithLabelValues(method, RESTEndpoint(path), code).Inc()
}
