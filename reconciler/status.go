package reconciler

import (
	"strings"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// lastReconciled decodes the spec last applied, defaulted, and whether the
// first deployment recorded it; nil when none.
func lastReconciled(st *v1beta1.FlinkDeploymentStatus) (*v1beta1.FlinkDeploymentSpec, bool, error) {
	raw := st.ReconciliationStatus.LastReconciledSpec
	if raw == "" {
		return nil, false, nil
	}
	spec, first, err := v1beta1.DecodeReconciledSpec(raw)
	if err != nil {
		return nil, false, err
	}
	return defaulted(spec), first, nil
}

// lastReconciledSpec decodes the spec last applied; nil when none.
func lastReconciledSpec(st *v1beta1.FlinkDeploymentStatus) (*v1beta1.FlinkDeploymentSpec, error) {
	raw := st.ReconciliationStatus.LastReconciledSpec
	if raw == "" {
		return nil, nil
	}
	spec, _, err := v1beta1.DecodeReconciledSpec(raw)
	return spec, err
}

// lifecycleState derives status.lifecycleState as the reference operator
// does (apache-operator.md §2.1), in the same order of precedence. It
// describes the deployed spec, so a held upgrade or a refused edit leaves
// it STABLE while the job runs, as in the reference: tools built for the
// reference read it that way, and FAILED would claim the running job
// failed. Whether the current generation runs, and whether the operator
// waits for the user, are the Ready and Stalled conditions (health.Apply).
func lifecycleState(fd *v1beta1.FlinkDeployment) v1beta1.ResourceLifecycleState {
	st := &fd.Status
	if !fd.DeletionTimestamp.IsZero() {
		return v1beta1.LifecycleDeleting
	}
	last, _ := lastReconciledSpec(st)
	if last == nil {
		if st.Error != "" {
			return v1beta1.LifecycleFailed
		}
		return v1beta1.LifecycleCreated
	}
	switch st.ReconciliationStatus.State {
	case v1beta1.ReconciliationUpgrading:
		return v1beta1.LifecycleUpgrading
	case v1beta1.ReconciliationRollingBack:
		return v1beta1.LifecycleRollingBack
	}
	if last.Job != nil && last.Job.State == v1beta1.JobStateSuspended {
		return v1beta1.LifecycleSuspended
	}
	if st.JobStatus.State == "FAILED" {
		return v1beta1.LifecycleFailed
	}
	if jm := st.JobManagerDeploymentStatus; (jm == v1beta1.JMMissing || jm == v1beta1.JMError) && strings.Contains(st.Error, "Manual restore required") {
		// A lost JobManager that waits for the user (reference rule).
		return v1beta1.LifecycleFailed
	}
	if st.ReconciliationStatus.State == v1beta1.ReconciliationRolledBack {
		return v1beta1.LifecycleRolledBack
	}
	if st.ReconciliationStatus.LastReconciledSpec == st.ReconciliationStatus.LastStableSpec {
		return v1beta1.LifecycleStable
	}
	return v1beta1.LifecycleDeployed
}

// isStable says whether the deployed spec runs well enough to be the
// rollback target: a session cluster whose REST API answers, a job that is
// RUNNING (or FINISHED, for batch), or a suspension the user asked for.
func isStable(fd *v1beta1.FlinkDeployment) bool {
	st := &fd.Status
	if st.ReconciliationStatus.State != v1beta1.ReconciliationDeployed {
		return false
	}
	last, _ := lastReconciledSpec(st)
	if last == nil {
		return false
	}
	if last.Job == nil {
		return st.JobManagerDeploymentStatus == v1beta1.JMReady
	}
	if last.Job.State == v1beta1.JobStateSuspended {
		return true
	}
	return st.JobStatus.State == "RUNNING" || st.JobStatus.State == "FINISHED"
}
