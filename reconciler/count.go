package reconciler

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The on-call metrics of an upgrade are counted here, where the gate's
// decisions are carried out: the gate is a pure function that may be
// asked the same question again (a pass that stops, a stale read), so it
// cannot count; a decision is carried out once per step.

// countDecision counts what a decision starts: a failed savepoint attempt
// of an upgrade (status.upgrade.failures grew), an upgrade abandoned (the
// gate's UpgradeFailed event, which it emits once, when it gives up), and
// a new hold. prevError is status.error before the decision.
func countDecision(before *v1beta1.UpgradeProgress, d gate.Decision, after *v1beta1.UpgradeProgress, prevError string) {
	if after != nil && (before == nil || after.Failures > before.Failures) && after.Failures > 0 {
		metrics.CountUpgradeSavepointFailure(operationOf(after))
	}
	for _, ev := range d.Events {
		if ev.Reason == gate.ReasonUpgradeFailed {
			op := metrics.OperationUpgrade
			if after != nil {
				op = operationOf(after)
			}
			metrics.CountUpgradeAbandoned(op)
		}
	}
	if d.Hold != "" && (prevError == "" || holdReason(prevError) != holdReason(d.Hold)) {
		// A hold is counted when it begins or its reason changes, not on
		// every pass that repeats it (its message may carry a changing
		// detail such as a retry time).
		metrics.CountUpgradeHold(holdReason(d.Hold))
	}
}

func operationOf(up *v1beta1.UpgradeProgress) string {
	if up.Suspend {
		return metrics.OperationSuspend
	}
	return metrics.OperationUpgrade
}

// holdReason classifies a hold message as the Stalled condition would
// (health.Conditions reads the same stable phrases), so the counter's
// reason is the one kubectl and Argo CD show; a hold that is not a stall
// is a wait the operator retries.
func holdReason(msg string) string {
	fd := &v1beta1.FlinkDeployment{Status: v1beta1.FlinkDeploymentStatus{Error: msg}}
	for _, c := range health.Conditions(fd, time.Time{}) {
		if c.Type != health.Stalled || c.Status != metav1.ConditionTrue {
			continue
		}
		switch c.Reason {
		case health.ReasonUpgradeHeld, health.ReasonUpgradeFailed, health.ReasonManualRestoreRequired:
			return c.Reason
		}
	}
	return metrics.HoldWaiting
}

// observeRollout records the rollout time of a spec that a status write
// made STABLE: status.lifecycleState becomes STABLE with a new
// lastStableSpec. The rollout began when the Reconciling condition last
// turned True, which the status written before this one holds; a rollout
// interrupted by a stall starts again from when it resumed.
func observeRollout(before, after *v1beta1.FlinkDeploymentStatus, now time.Time) {
	if after.LifecycleState != v1beta1.LifecycleStable || after.ReconciliationStatus.LastStableSpec == before.ReconciliationStatus.LastStableSpec {
		return
	}
	started := meta.FindStatusCondition(before.Conditions, health.Reconciling)
	if started == nil || started.Status != metav1.ConditionTrue || started.LastTransitionTime.IsZero() {
		return
	}
	kind := metrics.RolloutChange
	if before.ReconciliationStatus.LastStableSpec == "" {
		kind = metrics.RolloutInitial
	}
	metrics.ObserveRollout(kind, now.Sub(started.LastTransitionTime.Time))
}
