package health

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestConditionsPerLifecyclePath(t *testing.T) {
	for _, c := range lifecycleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			fd := c.applied()
			conds := fd.Status.Conditions
			ready := meta.FindStatusCondition(conds, Ready)
			rec := meta.FindStatusCondition(conds, Reconciling)
			stall := meta.FindStatusCondition(conds, Stalled)
			require.NotNil(t, ready)
			require.NotNil(t, rec)
			require.NotNil(t, stall)
			require.NotNil(t, meta.FindStatusCondition(conds, Running), "Running is kept for the reference's tools")
			assert.Equal(t, c.ready, ready.Status == metav1.ConditionTrue, "Ready: %s", ready.Message)
			assert.Equal(t, c.reconciling, rec.Status == metav1.ConditionTrue, "Reconciling: %s", rec.Message)
			assert.Equal(t, c.stalled, stall.Status == metav1.ConditionTrue, "Stalled: %s", stall.Message)
			switch {
			case c.stalled:
				assert.Equal(t, c.reason, stall.Reason)
				assert.Equal(t, c.reason, ready.Reason)
				if fd.Status.Error != "" {
					assert.Equal(t, fd.Status.Error, stall.Message, "the message is status.error")
				}
				assert.Equal(t, fd.Generation, fd.Status.ObservedGeneration, "a stall concludes the generation")
			case c.reconciling:
				assert.Equal(t, c.reason, rec.Reason)
			default:
				assert.Equal(t, c.reason, ready.Reason)
			}
			for _, cond := range conds {
				assert.NotZero(t, cond.ObservedGeneration, cond.Type)
				assert.Equal(t, now, cond.LastTransitionTime.Time, cond.Type)
			}
		})
	}
}

func TestReconcilingSaysHowLong(t *testing.T) {
	app := appSpec(v1beta1.JobStateRunning)
	fd := fdWith(t, 2, app, upgrading(v1beta1.PhaseSavepointing))
	Apply(fd, now)
	rec := meta.FindStatusCondition(fd.Status.Conditions, Reconciling)
	assert.Equal(t, "upgrade to generation 2 (savepoint): taking a savepoint of the running job, for less than a minute", rec.Message)
	assert.Equal(t, int64(2), rec.ObservedGeneration, "it describes the upgrade's target")

	Apply(fd, now.Add(12*time.Minute+40*time.Second))
	rec = meta.FindStatusCondition(fd.Status.Conditions, Reconciling)
	assert.Equal(t, "upgrade to generation 2 (savepoint): taking a savepoint of the running job, for 12m", rec.Message)
	assert.Equal(t, now, rec.LastTransitionTime.Time, "the rollout began then")

	fd.Status.Upgrade.Phase = v1beta1.PhaseTakingDown
	Apply(fd, now.Add(13*time.Minute))
	rec = meta.FindStatusCondition(fd.Status.Conditions, Reconciling)
	assert.Equal(t, "TakingDown", rec.Reason)
	assert.Contains(t, rec.Message, "taking down the old cluster, for 13m")
}

func TestRunningDescribesTheDeployedGeneration(t *testing.T) {
	fd := fdWith(t, 2, appSpec(v1beta1.JobStateRunning), withError(msgInvalid))
	Apply(fd, now)
	Apply(fd, now.Add(time.Minute)) // a later pass reads the stalled status
	running := meta.FindStatusCondition(fd.Status.Conditions, Running)
	assert.Equal(t, metav1.ConditionTrue, running.Status)
	assert.Equal(t, int64(1), running.ObservedGeneration, "generation 1 runs")
	stall := meta.FindStatusCondition(fd.Status.Conditions, Stalled)
	assert.Equal(t, int64(2), stall.ObservedGeneration, "generation 2 was refused")
}

func TestEveryStallReasonHasAMarker(t *testing.T) {
	for msg, want := range map[string]string{
		msgInvalid: ReasonValidationError, msgHAMissing: ReasonManualRestoreRequired, msgAbandoned: ReasonUpgradeFailed,
		msgBackend: ReasonUpgradeHeld, msgStuck: ReasonUpgradeHeld, msgJMLost: ReasonManualRestoreRequired,
		"cannot resume with last-state from v1_19 to v1_20: Kubernetes HA metadata is not compatible across Flink versions. Resume on v1_19 first and upgrade with upgradeMode savepoint": ReasonUpgradeHeld,
		msgRetry: "", msgRESTWait: "", "JobManager REST API at http://x is unreachable: timeout": "",
		"upgrade waiting for the MANUAL savepoint in progress (trigger t1) to complete, at most until 2026-12-01T12:00:00Z": "",
	} {
		assert.Equal(t, want, stalled(&v1beta1.FlinkDeploymentStatus{Error: msg}), msg)
	}
}

// A savepoint's progress, when read, is part of what Reconciling says; the
// reason stays the phase.
func TestReconcilingSaysSavepointProgress(t *testing.T) {
	app := appSpec(v1beta1.JobStateRunning)
	fd := fdWith(t, 2, app, upgrading(v1beta1.PhaseSavepointing))
	fd.Status.Upgrade.SavepointProgress = &v1beta1.SavepointProgress{AcknowledgedSubtasks: 3, TotalSubtasks: 8}
	Apply(fd, now)
	rec := meta.FindStatusCondition(fd.Status.Conditions, Reconciling)
	assert.Equal(t, "upgrade to generation 2 (savepoint): taking a savepoint of the running job (3 of 8 subtasks acknowledged), for less than a minute", rec.Message)
	assert.Equal(t, string(v1beta1.PhaseSavepointing), rec.Reason)

	fd.Status.Upgrade.Phase = v1beta1.PhaseTakingDown
	Apply(fd, now)
	rec = meta.FindStatusCondition(fd.Status.Conditions, Reconciling)
	assert.NotContains(t, rec.Message, "subtasks", "only while the savepoint is taken")
}
