package sessionjob

import (
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Reasons of the conditions besides health's.
const (
	// reasonSessionNotUsable: the target is an application cluster.
	reasonSessionNotUsable = "SessionNotUsable"
	// reasonSpecChangeHeld: a spec change waits (hold).
	reasonSpecChangeHeld = "SpecChangeHeld"
	// reasonJarSchemeNotFetched: spec.job.jarURI is s3:// or gs://, which
	// the operator does not fetch for session jobs.
	reasonJarSchemeNotFetched = "JarSchemeNotFetched"
)

// applyConditions sets Ready, Reconciling and Stalled (with the meaning
// package health gives them for FlinkDeployments, so kubectl wait, kstatus
// and Argo CD read session jobs the same way) and lifecycleState, from the
// rest of the status. It is a pure function of the status and the clock;
// lastTransitionTime changes only when a condition's status does, so a
// pass that changes nothing else writes nothing.
func applyConditions(sj *v1beta1.FlinkSessionJob, now time.Time) {
	st := &sj.Status
	ready, reconciling, stalled := conditions(sj)
	for _, c := range []metav1.Condition{ready, reconciling, stalled} {
		c.ObservedGeneration = sj.Generation
		c.LastTransitionTime = metav1.NewTime(now).Rfc3339Copy()
		meta.SetStatusCondition(&st.Conditions, c)
	}
	if meta.IsStatusConditionTrue(st.Conditions, health.Stalled) && sj.DeletionTimestamp.IsZero() {
		// As health.Apply does for FlinkDeployments: the generation was
		// seen and the operator waits for the user; kstatus reads an
		// observedGeneration behind the generation as still in progress.
		st.ObservedGeneration = max(st.ObservedGeneration, sj.Generation)
	}
	st.LifecycleState = lifecycle(sj)
	if st.LifecycleState == v1beta1.LifecycleStable {
		st.ReconciliationStatus.LastStableSpec = st.ReconciliationStatus.LastReconciledSpec
	}
}

func cond(typ string, on bool, reason, msg string) metav1.Condition {
	s := metav1.ConditionFalse
	if on {
		s = metav1.ConditionTrue
	}
	if msg == "" {
		msg = reason
	}
	return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg}
}

func conditions(sj *v1beta1.FlinkSessionJob) (ready, reconciling, stalled metav1.Condition) {
	st := &sj.Status
	no := func(typ, reason string) metav1.Condition { return cond(typ, false, reason, "") }
	switch {
	case !sj.DeletionTimestamp.IsZero():
		return no(health.Ready, health.ReasonDeleting), cond(health.Reconciling, true, health.ReasonDeleting, st.Error), no(health.Stalled, health.ReasonDeleting)
	case strings.Contains(st.Error, "is an application cluster"):
		return no(health.Ready, reasonSessionNotUsable), no(health.Reconciling, reasonSessionNotUsable), cond(health.Stalled, true, reasonSessionNotUsable, st.Error)
	case strings.HasPrefix(st.Error, invalidPrefix):
		// Nothing new happens until the user fixes the spec.
		return no(health.Ready, health.ReasonValidationError), no(health.Reconciling, health.ReasonValidationError),
			cond(health.Stalled, true, health.ReasonValidationError, st.Error)
	case isJarSchemeHeld(st.Error):
		// Held until the user names an https jar: nothing to wait for.
		return no(health.Ready, reasonJarSchemeNotFetched), no(health.Reconciling, reasonJarSchemeNotFetched), cond(health.Stalled, true, reasonJarSchemeNotFetched, st.Error)
	case st.Upgrade == nil && st.DeployedWith == nil && st.JobStatus.State == "SUSPENDED" && !parked(st):
		// Suspended as asked: the desired state is reached.
		return cond(health.Ready, true, ReasonSuspended, "suspended; resume from "+orNothing(st.JobStatus.UpgradeSavepointPath)), no(health.Reconciling, ReasonSuspended), no(health.Stalled, ReasonSuspended)
	case strings.HasPrefix(st.Error, ManualRestorePrefix):
		// Nothing happens until the user restores the job by hand.
		return no(health.Ready, health.ReasonManualRestoreRequired), no(health.Reconciling, health.ReasonManualRestoreRequired),
			cond(health.Stalled, true, health.ReasonManualRestoreRequired, st.Error)
	case isHeldMessage(st.Error):
		// Held: the submitted job runs, the new generation does not
		// (also with an upgrade record whose savepoint attempts are
		// spent): the user must act.
		return no(health.Ready, reasonSpecChangeHeld), no(health.Reconciling, reasonSpecChangeHeld), cond(health.Stalled, true, reasonSpecChangeHeld, st.Error)
	case st.Upgrade != nil || st.DeployedWith == nil:
		reason := health.ReasonNotDeployed
		if st.Upgrade != nil {
			reason = string(st.Upgrade.Phase)
		}
		if isWaitingMessage(st.Error) {
			reason = health.ReasonWaiting
		}
		return cond(health.Ready, false, reason, st.Error), cond(health.Reconciling, true, reason, st.Error), no(health.Stalled, reason)
	case st.JobStatus.State == "FAILED":
		return no(health.Ready, health.ReasonJobFailed), no(health.Reconciling, health.ReasonJobFailed), cond(health.Stalled, true, health.ReasonJobFailed, "job "+st.JobStatus.JobID+" FAILED; edit the spec (spec.restartNonce, say) to submit it again: "+
			"from its latest checkpoint with upgradeMode savepoint or last-state, without state with stateless")
	case st.JobStatus.State == "RUNNING" || st.JobStatus.State == "FINISHED":
		return cond(health.Ready, true, health.ReasonRunning, "job "+st.JobStatus.JobID+" is "+st.JobStatus.State), no(health.Reconciling, health.ReasonRunning), no(health.Stalled, health.ReasonRunning)
	}
	reason := health.ReasonStarting
	if st.Error != "" {
		reason = health.ReasonWaiting
	}
	return cond(health.Ready, false, reason, st.Error), cond(health.Reconciling, true, reason, st.Error), no(health.Stalled, reason)
}

// lifecycle is status.lifecycleState in the reference's vocabulary.
func lifecycle(sj *v1beta1.FlinkSessionJob) v1beta1.ResourceLifecycleState {
	st := &sj.Status
	switch {
	case !sj.DeletionTimestamp.IsZero():
		return v1beta1.LifecycleDeleting
	case st.Upgrade != nil:
		return v1beta1.LifecycleUpgrading
	case st.DeployedWith == nil && st.JobStatus.State == "SUSPENDED":
		return v1beta1.LifecycleSuspended
	case st.DeployedWith == nil:
		return v1beta1.LifecycleCreated
	case st.JobStatus.State == "FAILED":
		return v1beta1.LifecycleFailed
	case st.JobStatus.State == "RUNNING" || st.JobStatus.State == "FINISHED":
		return v1beta1.LifecycleStable
	}
	return v1beta1.LifecycleDeployed
}
