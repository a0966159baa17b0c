package reconciler

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestHoldReasonIsTheStalledReason: the hold counter's reason is the one
// the Stalled condition shows for the same message, and a wait the
// operator retries is Waiting.
func TestHoldReasonIsTheStalledReason(t *testing.T) {
	for msg, want := range map[string]string{
		"upgrade held: the state backend changes from hashmap to rocksdb, which needs a CANONICAL savepoint":                   metrics.HoldUpgradeHeld,
		"last-state upgrade held: HA metadata is not available ... Manual restore required: set spec.job.initialSavepointPath": metrics.HoldManualRestoreRequired,
		"upgrade to generation 2 abandoned after 3 failed savepoints (the operator's --max-savepoint-attempts; last: x)":       metrics.HoldUpgradeFailed,
		"upgrade waiting: the JobManager's REST API does not answer (EOF); a savepoint upgrade needs it to take a savepoint":   metrics.HoldWaiting,
		"savepoint attempt 1 failed: declined; retrying at 2025-01-01T00:00:00Z":                                               metrics.HoldWaiting,
	} {
		if got := holdReason(msg); got != want {
			t.Errorf("holdReason(%.40q) = %s, want %s", msg, got, want)
		}
	}
}

// TestCountDecision counts a failed attempt once per attempt, an
// abandonment on the gate's UpgradeFailed event, and a hold when it
// begins, not on every pass that repeats it.
func TestCountDecision(t *testing.T) {
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		families, err := crmetrics.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() != name {
				continue
			}
		next:
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if labels[l.GetName()] != l.GetValue() {
						continue next
					}
				}
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
		t.Fatalf("%s%v: no series (the counters are created at start-up)", name, labels)
		return 0
	}
	failures := func(op string) float64 {
		return value("flink_operator_upgrade_savepoint_failures_total", map[string]string{"operation": op})
	}
	abandoned := func(op string) float64 {
		return value("flink_operator_upgrades_abandoned_total", map[string]string{"operation": op})
	}
	holds := func(reason string) float64 {
		return value("flink_operator_upgrade_holds_total", map[string]string{"reason": reason})
	}
	f0, s0, a0, w0, u0 := failures("upgrade"), failures("suspend"), abandoned("suspend"), holds("Waiting"), holds("UpgradeFailed")

	retry := "savepoint for the upgrade failed (attempt 1 of 3), retrying in 1s; the job keeps running: declined"
	up := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Failures: 1}
	countDecision(&v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing}, gate.Decision{Hold: retry}, up, "")
	// The next pass repeats the hold with a later retry time.
	countDecision(up, gate.Decision{Hold: "savepoint attempt 1 failed: declined; retrying at 2025-01-01T00:00:01Z"}, up.DeepCopy(), retry)
	if got := failures("upgrade") - f0; got != 1 {
		t.Errorf("upgrade savepoint failures += %v, want 1", got)
	}
	if got := holds("Waiting") - w0; got != 1 {
		t.Errorf("Waiting holds += %v, want 1 (a repeated hold is not a new one)", got)
	}

	gaveUp := "suspend to generation 3 abandoned after 3 failed savepoints (the operator's --max-savepoint-attempts; last: x)"
	before := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Suspend: true, Failures: 2}
	after := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Suspend: true, Failures: 3}
	d := gate.Decision{Hold: gaveUp, Events: []gate.Event{{Warning: true, Reason: gate.ReasonUpgradeFailed, Message: gaveUp}}}
	countDecision(before, d, after, retry)
	countDecision(after, gate.Decision{Hold: gaveUp}, after.DeepCopy(), gaveUp)
	if got := failures("suspend") - s0; got != 1 {
		t.Errorf("suspend savepoint failures += %v, want 1", got)
	}
	if got := abandoned("suspend") - a0; got != 1 {
		t.Errorf("abandoned suspends += %v, want 1", got)
	}
	if got := holds("UpgradeFailed") - u0; got != 1 {
		t.Errorf("UpgradeFailed holds += %v, want 1", got)
	}
}

// TestObserveRollout times a spec from Reconciling turning True to the
// status write that makes it STABLE, once.
func TestObserveRollout(t *testing.T) {
	count := func(kind string) uint64 {
		t.Helper()
		families, err := crmetrics.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "flink_operator_rollout_duration_seconds" {
				for _, m := range f.GetMetric() {
					if m.GetLabel()[0].GetValue() == kind {
						return m.GetHistogram().GetSampleCount()
					}
				}
			}
		}
		t.Fatalf("no rollout_duration_seconds{kind=%q} series", kind)
		return 0
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rolling := v1beta1.FlinkDeploymentStatus{
		LifecycleState: v1beta1.LifecycleDeployed,
		Conditions:     []metav1.Condition{{Type: "Reconciling", Status: metav1.ConditionTrue, LastTransitionTime: metav1.NewTime(start)}},
	}
	rolling.ReconciliationStatus.LastStableSpec = `{"old":1}`
	stable := *rolling.DeepCopy()
	stable.LifecycleState = v1beta1.LifecycleStable
	stable.ReconciliationStatus.LastStableSpec = `{"new":1}`
	stable.Conditions[0].Status = metav1.ConditionFalse

	change, initial := count("change"), count("initial")
	observeRollout(&rolling, &stable, start.Add(90*time.Second))
	observeRollout(&stable, &stable, start.Add(120*time.Second)) // already STABLE
	if got := count("change") - change; got != 1 {
		t.Errorf("change rollouts += %d, want 1", got)
	}
	first := *rolling.DeepCopy()
	first.ReconciliationStatus.LastStableSpec = ""
	observeRollout(&first, &stable, start.Add(time.Minute))
	if got := count("initial") - initial; got != 1 {
		t.Errorf("initial rollouts += %d, want 1", got)
	}
}
