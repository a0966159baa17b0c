package submission

import (
	"fmt"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Plan is how a spec change after submission is carried out.
type Plan int

// Plan values.
const (
	// PlanHold: not carried out by this release (last-state, the
	// snapshot nonces); the job keeps running.
	PlanHold Plan = iota
	// PlanStateless: cancel, then submit the new spec empty.
	PlanStateless
	// PlanSavepoint: stop with a savepoint, then submit the new spec
	// from it.
	PlanSavepoint
	// PlanSuspendSavepoint: stop with a savepoint and record it for the
	// resume; nothing runs.
	PlanSuspendSavepoint
	// PlanSuspendCancel: cancel (upgradeMode stateless); nothing runs.
	PlanSuspendCancel
	// PlanLastState: cancel, then submit the new spec from the job's
	// latest checkpoint, as the reference operator does for session jobs
	// (there is no HA metadata of a session job to restore from). Only
	// when the job's checkpoints survive the cancel; otherwise stop with
	// a savepoint.
	PlanLastState
	// PlanRedeploy: a new savepointRedeployNonce; cancel, then submit the
	// new spec from spec.job.initialSavepointPath.
	PlanRedeploy
)

// Plans lists every Plan, for tests that cover each.
var Plans = []Plan{PlanHold, PlanStateless, PlanSavepoint, PlanSuspendSavepoint, PlanSuspendCancel, PlanLastState, PlanRedeploy}

var planNames = [...]string{"Hold", "Stateless", "Savepoint", "SuspendSavepoint", "SuspendCancel", "LastState", "Redeploy"}

func (p Plan) String() string {
	if int(p) >= 0 && int(p) < len(planNames) {
		return planNames[p]
	}
	return fmt.Sprintf("Plan(%d)", int(p))
}

// SpecChange names a change of spec since the submission, and how it is
// carried out (plan); "" when the spec is the one submitted, or the change
// needs no action (gate.ClassifySessionJob: the FlinkDeployment job's
// rules, so upgradeMode alone, say, restarts nothing). The savepoint nonce
// asks for a savepoint, not an upgrade (the controller's snapshots.go);
// the checkpoint nonce is held.
//
// An UPGRADE is carried out by the new spec's upgradeMode: stateless
// cancels, savepoint stops with a savepoint, last-state cancels and
// restores the latest checkpoint (the controller's lastcheckpoint.go says
// when it takes a savepoint instead). A suspend stops with a savepoint, or
// cancels when upgradeMode is stateless. A new savepointRedeployNonce
// cancels and submits from spec.job.initialSavepointPath, as the reference
// does.
func SpecChange(recorded, current *v1beta1.FlinkSessionJobSpec) (change string, plan Plan) {
	if recorded.Job == nil || current.Job == nil {
		return "", PlanHold
	}
	rec, cur := Defaulted(recorded), Defaulted(current)
	mode := cur.Job.UpgradeMode
	if cur.Job.State == v1beta1.JobStateSuspended && rec.Job.State != v1beta1.JobStateSuspended {
		if mode == v1beta1.UpgradeModeStateless {
			return "spec.job.state suspended: cancelling the job", PlanSuspendCancel
		}
		return "spec.job.state suspended: stopping the job with a savepoint", PlanSuspendSavepoint
	}
	diff := gate.ClassifySessionJob(rec, cur)
	what := "spec changed (" + strings.Join(diff.Fields, ", ") + ")"
	switch diff.Type {
	case gate.DiffSavepointRedeploy:
		if cur.Job.InitialSavepointPath == "" {
			return what + ": held, spec.job.initialSavepointPath is empty, so there is nothing to redeploy from; set it to the savepoint to start from", PlanHold
		}
		return what + ": cancelling the job and submitting the new spec from spec.job.initialSavepointPath " + cur.Job.InitialSavepointPath, PlanRedeploy
	case gate.DiffUpgrade, gate.DiffScale:
		switch mode {
		case v1beta1.UpgradeModeStateless:
			return what + ": cancelling the job and submitting the new spec without state", PlanStateless
		case v1beta1.UpgradeModeSavepoint:
			return what + ": stopping the job with a savepoint and submitting the new spec from it", PlanSavepoint
		}
		return what + ": cancelling the job and submitting the new spec from its latest checkpoint", PlanLastState
	}
	// savepointTriggerNonce is no spec change: the controller's
	// snapshots.go serves it.
	if !equalPtr(rec.Job.CheckpointTriggerNonce, cur.Job.CheckpointTriggerNonce) {
		return "spec.job.checkpointTriggerNonce changed: the checkpoint is held; the operator would have triggered a checkpoint of the running job", PlanHold
	}
	return "", PlanHold
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
