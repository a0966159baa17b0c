package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// What an on-call engineer asks of an upgrade: did its savepoint fail,
// why is it held, was it given up, how long did it take. These are
// counted by the reconciler where it carries out the upgrade gate's
// decisions (reconciler/count.go), never by the pure gate.

// Operations of an upgrade record (status.upgrade.suspend tells them apart).
const (
	OperationUpgrade = "upgrade"
	OperationSuspend = "suspend"
)

// Reasons of a hold. The first three are the Stalled condition's reasons
// for a gate hold (reconciler/health); HoldWaiting is a wait the operator
// retries by itself (REST unreachable, a savepoint retry's backoff, a job
// that is not RUNNING yet).
const (
	HoldUpgradeHeld           = "UpgradeHeld"
	HoldUpgradeFailed         = "UpgradeFailed"
	HoldManualRestoreRequired = "ManualRestoreRequired"
	HoldWaiting               = "Waiting"
)

// Rollout kinds: the first deployment of a FlinkDeployment, or a change
// to a deployed one.
const (
	RolloutInitial = "initial"
	RolloutChange  = "change"
)

var (
	operations   = []string{OperationUpgrade, OperationSuspend}
	holdReasons  = []string{HoldUpgradeHeld, HoldUpgradeFailed, HoldManualRestoreRequired, HoldWaiting}
	rolloutKinds = []string{RolloutInitial, RolloutChange}
)

var (
	upgradeSavepointFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "upgrade_savepoint_failures_total",
		Help: "Failed savepoint attempts of upgrades and suspends (a refused or failed stop-with-savepoint), by operation " +
			"(upgrade, suspend). The job keeps running; the attempt is retried up to --max-savepoint-attempts.",
	}, []string{"operation"})

	upgradesAbandoned = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "upgrades_abandoned_total",
		Help: "Upgrades and suspends given up after --max-savepoint-attempts failed savepoints, by operation (upgrade, suspend); " +
			"the previous spec keeps running until the user edits the spec.",
	}, []string{"operation"})

	upgradeHolds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "upgrade_holds_total",
		Help: "Times the upgrade gate started holding a FlinkDeployment's change, by reason (UpgradeHeld, UpgradeFailed, " +
			"ManualRestoreRequired: the user must act; Waiting: the operator retries by itself).",
	}, []string{"reason"})

	rolloutDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "rollout_duration_seconds",
		Help: "Time from the operator starting to roll out a spec (the Reconciling condition turning True) to the spec " +
			"running STABLE, by kind (initial: the first deployment; change: an edit of a deployed spec).",
		// A stateless change takes seconds; a savepoint of large state
		// and a slow image pull take tens of minutes.
		Buckets: []float64{5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
	}, []string{"kind"})

	buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "build_info",
		Help:      "Always 1; its labels say which build of the operator runs (version, revision, go_version).",
	}, []string{"version", "revision", "go_version"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(upgradeSavepointFailures, upgradesAbandoned, upgradeHolds, rolloutDuration, buildInfo)
	preinitialise()
}

// preinitialise creates every series of a fixed label set at 0, so that
// a rate() or an alert on a counter has data from the first scrape on and
// "never happened" is not "no data".
func preinitialise() {
	for _, op := range operations {
		upgradeSavepointFailures.WithLabelValues(op)
		upgradesAbandoned.WithLabelValues(op)
	}
	for _, r := range holdReasons {
		upgradeHolds.WithLabelValues(r)
	}
	for _, k := range rolloutKinds {
		rolloutDuration.WithLabelValues(k)
	}
	for _, r := range []string{ResultSuccess, ResultError, ResultRequeue, ResultRequeueAfter} {
		reconcileDuration.WithLabelValues(r)
	}
	for mode := range upgradeModes {
		upgrades.WithLabelValues(mode)
	}
	for trigger := range savepointTriggers {
		for _, result := range []string{SavepointCompleted, SavepointAbandoned} {
			savepoints.WithLabelValues(trigger, result)
		}
	}
}

// bounded returns v when it is one of known, else "unknown", so that a
// caller's mistake cannot create a new series.
func bounded(v string, known []string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return "unknown"
}

// CountUpgradeSavepointFailure counts one failed savepoint attempt of an
// upgrade or suspend (operation: OperationUpgrade or OperationSuspend).
func CountUpgradeSavepointFailure(operation string) {
	upgradeSavepointFailures.WithLabelValues(bounded(operation, operations)).Inc()
}

// CountUpgradeAbandoned counts one upgrade or suspend given up after its
// savepoint attempts failed.
func CountUpgradeAbandoned(operation string) {
	upgradesAbandoned.WithLabelValues(bounded(operation, operations)).Inc()
}

// CountUpgradeHold counts the gate starting to hold a change; reason is
// one of the Hold* constants.
func CountUpgradeHold(reason string) {
	upgradeHolds.WithLabelValues(bounded(reason, holdReasons)).Inc()
}

// ObserveRollout records the time a spec took from the start of its
// rollout to running STABLE; kind is RolloutInitial or RolloutChange.
func ObserveRollout(kind string, d time.Duration) {
	rolloutDuration.WithLabelValues(bounded(kind, rolloutKinds)).Observe(d.Seconds())
}

// SetBuildInfo sets flink_operator_build_info to 1 for this build. Empty
// values become "unknown" so the series always has all its labels.
func SetBuildInfo(version, revision, goVersion string) {
	buildInfo.Reset()
	buildInfo.WithLabelValues(orUnknown(version), orUnknown(revision), orUnknown(goVersion)).Set(1)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
