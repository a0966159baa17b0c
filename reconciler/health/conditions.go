// Package health derives the conditions of a FlinkDeployment from its
// status, in one place, so that kubectl wait, kstatus (Flux, kpt, cli-utils)
// and Argo CD read the same answer: Ready, Reconciling and Stalled as the
// kstatus conventions define them, and Running as the reference operator
// writes it.
package health

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Condition types.
const (
	// Ready: the current generation runs (or is suspended, as its spec
	// asks).
	Ready = "Ready"
	// Reconciling: a change is being rolled out, or the cluster is
	// starting; something will happen without the user.
	Reconciling = "Reconciling"
	// Stalled: nothing will happen without the user.
	Stalled = "Stalled"
	// Running is the reference operator's one condition, kept for tools
	// that read it.
	Running = "Running"
)

// Reasons of Ready and Reconciling besides the upgrade phases
// (v1beta1.UpgradePhase) and the Stalled reasons.
const (
	ReasonRunning   = "Running"
	ReasonSuspended = "Suspended"
	ReasonDeleting  = "Deleting"
	// ReasonStarting: deployed, and the JobManager or the job is not
	// running yet.
	ReasonStarting = "Starting"
	// ReasonWaiting: a change waits for something the operator retries on
	// its own (status.error says what).
	ReasonWaiting = "Waiting"
	// ReasonNotDeployed: nothing has been deployed yet.
	ReasonNotDeployed = "NotDeployed"
)

// Apply sets Ready, Reconciling, Stalled and Running in fd's status from
// the rest of it. now only words the elapsed time of a rollout; the
// conditions' lastTransitionTime changes only when their status does.
//
// A Stalled resource has status.observedGeneration advanced to its
// generation: the operator has seen that generation and concluded it must
// wait for the user. kstatus reads any observedGeneration behind the
// generation as "still in progress" before it looks at Stalled, so without
// this a refused edit or a held upgrade would never fail a Flux or kpt
// wait. lastReconciledSpec still records what runs.
func Apply(fd *v1beta1.FlinkDeployment, now time.Time) {
	st := &fd.Status
	prevRunning := meta.FindStatusCondition(st.Conditions, Running)
	prevStalled := meta.IsStatusConditionTrue(st.Conditions, Stalled)
	for _, c := range Conditions(fd, now) {
		// The operator's clock, not SetStatusCondition's time.Now, and
		// whole seconds as the API server stores them.
		c.LastTransitionTime = metav1.NewTime(now).Rfc3339Copy()
		if c.Type == Running && prevStalled && prevRunning != nil && c.Status == metav1.ConditionStatus(prevRunning.Status) {
			// Still the job of the generation deployed before the stall.
			c.ObservedGeneration = prevRunning.ObservedGeneration
		}
		meta.SetStatusCondition(&st.Conditions, c)
	}
	if meta.IsStatusConditionTrue(st.Conditions, Stalled) && fd.DeletionTimestamp.IsZero() {
		st.ObservedGeneration = max(st.ObservedGeneration, fd.Generation)
	}
}

// Conditions computes the four conditions of fd. It is a pure function of
// the status, the generation and the clock; Apply stores its result.
func Conditions(fd *v1beta1.FlinkDeployment, now time.Time) []metav1.Condition {
	st := &fd.Status
	gen := fd.Generation
	ready := metav1.Condition{Type: Ready, Status: metav1.ConditionFalse, ObservedGeneration: gen}
	reconciling := metav1.Condition{Type: Reconciling, Status: metav1.ConditionFalse, ObservedGeneration: gen, Reason: ReasonRunning}
	stall := metav1.Condition{Type: Stalled, Status: metav1.ConditionFalse, ObservedGeneration: gen, Reason: ReasonRunning}
	running := runningCondition(fd)

	deployed, _, _ := lastReconciled(st)
	reason := stalled(st)
	if st.Upgrade != nil && reason != ReasonValidationError && !gateHolds(reason) {
		// A rollout's job and JobManager states are the old cluster's
		// on their way out, not a failure.
		reason = ""
	}
	switch {
	case !fd.DeletionTimestamp.IsZero():
		ready.Reason, ready.Message = ReasonDeleting, "the FlinkDeployment is being deleted"
		reconciling.Status, reconciling.Reason, reconciling.Message = metav1.ConditionTrue, ReasonDeleting, "the cluster is being deleted"
		return []metav1.Condition{ready, reconciling, stall, running}
	case reason != "":
		stall.Status, stall.Reason, stall.Message = metav1.ConditionTrue, reason, st.Error
		if stall.Message == "" {
			stall.Message = stallMessage(reason, st)
		}
		ready.Reason, ready.Message = reason, stall.Message
		// Reconciling stays False even with an upgrade recorded (an
		// abandoned one keeps its record): kstatus reads a True
		// Reconciling before Stalled, and nothing is rolling out.
		reconciling.Reason, reconciling.Message = reason, "nothing is rolling out; the operator waits for the user (see Stalled)"
		return []metav1.Condition{ready, reconciling, stall, running}
	}
	if up := st.Upgrade; up != nil {
		reconciling.Status, reconciling.Reason = metav1.ConditionTrue, string(up.Phase)
		reconciling.Message = rolloutMessage(fd, now)
		if up.TargetGeneration > 0 {
			reconciling.ObservedGeneration = up.TargetGeneration
		}
		if ready.Reason == "" {
			ready.Reason, ready.Message = string(up.Phase), reconciling.Message
		}
		return []metav1.Condition{ready, reconciling, stall, running}
	}
	switch {
	case deployed == nil:
		ready.Reason, ready.Message = ReasonNotDeployed, orDefault(st.Error, "nothing has been deployed yet")
		reconciling.Status, reconciling.Reason, reconciling.Message = metav1.ConditionTrue, ReasonNotDeployed, ready.Message
	case st.ObservedGeneration != gen:
		// An edit not rolled out yet, and not stalled: the gate waits for
		// something it retries (status.error says what).
		ready.Reason = ReasonWaiting
		ready.Message = orDefault(st.Error, fmt.Sprintf("generation %d is not rolled out yet (generation %d runs)", gen, st.ObservedGeneration))
		reconciling.Status, reconciling.Reason, reconciling.Message = metav1.ConditionTrue, ReasonWaiting, ready.Message
	case gate.Suspended(deployed):
		// Suspended is the state asked for: kstatus (Flux, kpt) reads a
		// False Ready as still in progress, and kubectl wait would never
		// return for a job the user suspended on purpose.
		ready.Status, ready.Reason, ready.Message = metav1.ConditionTrue, ReasonSuspended, "the job is suspended, as spec.job.state asks"
	case runs(deployed, st):
		ready.Status, ready.Reason, ready.Message = metav1.ConditionTrue, ReasonRunning, runsMessage(deployed, st)
	default:
		ready.Reason, ready.Message = ReasonStarting, startingMessage(deployed, st)
		reconciling.Status, reconciling.Reason, reconciling.Message = metav1.ConditionTrue, ReasonStarting, ready.Message
	}
	return []metav1.Condition{ready, reconciling, stall, running}
}

// gateHolds: a reason the gate gives while an upgrade is recorded.
func gateHolds(reason string) bool {
	return reason == ReasonUpgradeHeld || reason == ReasonUpgradeFailed || reason == ReasonManualRestoreRequired
}

// runs: the deployed spec runs as it should, the stability rule of the
// reference operator (a session's REST API answers, a job RUNNING, or a
// batch job FINISHED).
func runs(deployed *v1beta1.FlinkDeploymentSpec, st *v1beta1.FlinkDeploymentStatus) bool {
	if st.ReconciliationStatus.State != v1beta1.ReconciliationDeployed {
		return false
	}
	if deployed.Job == nil {
		return st.JobManagerDeploymentStatus == v1beta1.JMReady
	}
	return st.JobStatus.State == "RUNNING" || st.JobStatus.State == "FINISHED"
}

func runsMessage(deployed *v1beta1.FlinkDeploymentSpec, st *v1beta1.FlinkDeploymentStatus) string {
	if deployed.Job == nil {
		return "the session cluster's JobManager is ready"
	}
	return "job " + st.JobStatus.State
}

func startingMessage(deployed *v1beta1.FlinkDeploymentSpec, st *v1beta1.FlinkDeploymentStatus) string {
	jm := orDefault(string(st.JobManagerDeploymentStatus), "UNKNOWN")
	if st.Error != "" {
		return st.Error
	}
	if deployed.Job == nil {
		return "JobManager " + jm
	}
	return fmt.Sprintf("JobManager %s, job %s", jm, orDefault(st.JobStatus.State, "UNKNOWN"))
}

func stallMessage(reason string, st *v1beta1.FlinkDeploymentStatus) string {
	switch reason {
	case ReasonJobFailed:
		return "the job FAILED; Flink's restart strategy gave up"
	case ReasonDeploymentFailed:
		return "the JobManager deployment failed"
	}
	return reason
}

// rolloutMessage says what the rollout does and for how long it has, from
// when Reconciling last became True: across operator restarts, since it
// is stored. The elapsed time is whole minutes, so a long savepoint
// rewrites status at most once a minute.
func rolloutMessage(fd *v1beta1.FlinkDeployment, now time.Time) string {
	up := fd.Status.Upgrade
	what := "upgrade"
	if up.Suspend {
		what = "suspend"
	}
	msg := fmt.Sprintf("%s to generation %d (%s): %s", what, up.TargetGeneration, up.Mode, phaseWords(up.Phase))
	if up.TargetGeneration == 0 {
		msg = fmt.Sprintf("%s (%s): %s", what, up.Mode, phaseWords(up.Phase))
	}
	if pr := up.SavepointProgress; up.Phase == v1beta1.PhaseSavepointing && pr != nil && pr.TotalSubtasks > 0 {
		// Written only when the counts move (reconciler/savepoint_progress.go).
		msg += fmt.Sprintf(" (%d of %d subtasks acknowledged)", pr.AcknowledgedSubtasks, pr.TotalSubtasks)
	}
	if prev := meta.FindStatusCondition(fd.Status.Conditions, Reconciling); prev != nil && prev.Status == metav1.ConditionTrue && !prev.LastTransitionTime.IsZero() {
		msg += ", for " + elapsed(now.Sub(prev.LastTransitionTime.Time))
	} else {
		msg += ", for " + elapsed(0)
	}
	return msg
}

func phaseWords(p v1beta1.UpgradePhase) string {
	switch p {
	case v1beta1.PhaseSavepointing:
		return "taking a savepoint of the running job"
	case v1beta1.PhaseTakingDown:
		return "taking down the old cluster"
	case v1beta1.PhaseDeploying:
		return "deploying the new cluster"
	}
	return strings.ToLower(string(p))
}

// elapsed words a duration in whole minutes.
func elapsed(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	d = d.Truncate(time.Minute)
	return strings.TrimSuffix(d.String(), "0s")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lastReconciled decodes the spec last applied; nil when none or when it
// does not decode (the controller reports that in status.error).
func lastReconciled(st *v1beta1.FlinkDeploymentStatus) (*v1beta1.FlinkDeploymentSpec, bool, error) {
	raw := st.ReconciliationStatus.LastReconciledSpec
	if raw == "" {
		return nil, false, nil
	}
	return v1beta1.DecodeReconciledSpec(raw)
}
