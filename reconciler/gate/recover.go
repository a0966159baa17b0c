package gate

import (
	"fmt"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Restarts nobody asked the gate for: a JobManager Deployment that was
// deleted or lost, and drift correction that would put back an edited pod
// template. Either restarts the JobManager, so a stateful job goes through
// the gate like any other restart.

// statefulJob: spec runs a job whose state a restart must carry over.
func statefulJob(spec *v1beta1.FlinkDeploymentSpec) bool {
	return spec != nil && spec.Job != nil && !Suspended(spec) && spec.Job.UpgradeMode != v1beta1.UpgradeModeStateless
}

// jmRecoveryEnabled reads kubernetes.operator.jm-deployment-recovery.enabled,
// which turns the re-creation of a lost JobManager Deployment off, as in
// the reference operator (default true; validation refuses a value that is
// not a boolean).
func jmRecoveryEnabled(spec *v1beta1.FlinkDeploymentSpec) bool {
	return configOf(spec).Operator.JMDeploymentRecovery
}

// recoverJobManager decides, for the apply about to be made (g.d.Apply),
// what happens to a lost JobManager Deployment. Re-creating it restarts
// the job from the restore path of the last deploy, so it is done only
// when that loses nothing (as the reference operator does): a session
// cluster, a job whose Kubernetes HA metadata exists (Flink then recovers
// its latest checkpoint), or a stateless job. Otherwise nothing is applied
// and the user is told how to restore the job.
func (g *gate) recoverJobManager() {
	in := g.in
	if !in.JobManagerLost || in.Deployed == nil || Suspended(in.Deployed) {
		return
	}
	step := g.d.Apply
	spec := step.Target
	if why := unrecoverable(in, spec, step.Context.RestorePath); why != "" {
		msg := fmt.Sprintf("the JobManager Deployment is missing (deleted or lost) and is not re-created: %s", why)
		g.wait()
		g.d.After = nil
		if g.d.Hold == "" {
			g.d.Hold = msg
		}
		if in.Status.JobManagerDeploymentStatus != v1beta1.JMMissing {
			g.event(true, ReasonMissing, "%s", msg)
		}
		return
	}
	if in.JobManagerPodsLeft {
		// Never two JobManagers of one cluster at once.
		g.wait()
		g.d.After = nil
		if g.d.Hold == "" {
			g.d.Hold = "the JobManager Deployment is missing; waiting for its JobManager pods to terminate before re-creating it"
		}
		g.d.RequeueAfter = in.Policy.TakeDownPollInterval
		return
	}
	how := "the session cluster"
	if spec.Job != nil {
		how = "the job " + describeRestore(step.Context.RestorePath)
		if in.HA.Enabled && in.HA.MetadataAvailable {
			how = "the job from its Kubernetes HA metadata"
		}
		// An application deploy: no job graph but this job's is recovered.
		step.StripHAJobGraphs = KubernetesHA(spec)
	}
	g.event(true, ReasonRecoverDeployment, "Recovering lost JobManager deployment: re-creating it restarts %s", how)
}

// unrecoverable says why re-creating the lost JobManager Deployment of
// spec, last deployed from restorePath, would lose state, or is turned
// off; "" when it may be re-created.
func unrecoverable(in Input, spec *v1beta1.FlinkDeploymentSpec, restorePath string) string {
	if !jmRecoveryEnabled(spec) {
		return fmt.Sprintf("spec.flinkConfiguration[%s] is false. Set it to true to re-create it, or change the spec to redeploy", flinkconf.KeyJMDeploymentRecovery)
	}
	if spec.Job == nil {
		return ""
	}
	if state := in.Status.JobStatus.State; flinkrest.JobStatus(state).IsGloballyTerminal() {
		return fmt.Sprintf("the job had reached %s, and re-creating the JobManager would run it again. Manual restore required: to run it again set spec.job.initialSavepointPath and change spec.job.savepointRedeployNonce, or change the spec (for example spec.restartNonce)", state)
	}
	if in.HA.Enabled && in.HA.MetadataAvailable {
		return ""
	}
	if spec.Job.UpgradeMode == v1beta1.UpgradeModeStateless {
		return ""
	}
	lost := "Kubernetes HA is off"
	if in.HA.Enabled {
		lost = "its Kubernetes HA metadata is gone"
	}
	return fmt.Sprintf("%s, so re-creating it would restart the %s job %s and lose the state it has built since. "+
		"Manual restore required: set spec.job.initialSavepointPath to the job's latest savepoint or retained checkpoint and change spec.job.savepointRedeployNonce; "+
		"or set spec.job.upgradeMode: stateless to accept re-creating it %s",
		lost, spec.Job.UpgradeMode, describeRestore(restorePath), describeRestore(restorePath))
}

// driftRestartingJob is the correction of a pod template changed outside
// the operator, as an upgrade of the deployed spec, when putting it back
// would restart a stateful job: its state is made safe first (savepoint,
// or HA metadata for last-state), like for any other restart.
func (g *gate) driftRestartingJob() (SpecDiff, bool) {
	if len(g.in.PodTemplateDrift) == 0 || !statefulJob(g.in.Deployed) {
		return SpecDiff{}, false
	}
	fields := make([]string, len(g.in.PodTemplateDrift))
	for i, k := range g.in.PodTemplateDrift {
		fields[i] = k + ": pod template changed outside the operator"
	}
	return SpecDiff{Type: DiffUpgrade, Fields: fields}, true
}
