package reconciler

import (
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Rolling out: taking the old cluster down and deploying the target.

// takingDown deletes the old cluster once its state is safe.
func (g *gate) takingDown() {
	up := g.st().Upgrade
	if g.in.ClusterGone {
		up.Phase = v1beta1.PhaseDeploying
		g.deploying()
		return
	}
	up.Phase = v1beta1.PhaseTakingDown
	g.d.Action = ActionTakeDown
	g.d.DeleteHA = up.Mode == v1beta1.UpgradeModeStateless && g.in.Spec.Job != nil
	g.d.RequeueAfter = g.in.Policy.TakeDownPollInterval
}

// deploying applies the target spec with the recorded restore path and
// job id, and marks the upgrade done once applied.
func (g *gate) deploying() {
	in, st := g.in, g.st()
	up := st.Upgrade
	up.Phase = v1beta1.PhaseDeploying
	target := in.Spec.DeepCopy()
	susp := suspended(target)
	if susp {
		// Resume restores with the mode the job was suspended with.
		target.Job.UpgradeMode = up.Mode
	}
	after := st.DeepCopy()
	after.Upgrade = nil
	g.markReconciled(after, target, in.Deployed == nil)
	after.DeployedWith = &v1beta1.DeployedWith{RestorePath: up.RestorePath, JobID: up.JobID}
	after.Error = ""
	if target.Job != nil {
		if susp {
			after.JobStatus.State = string(flinkrest.JobSuspended)
			if up.Mode == v1beta1.UpgradeModeLastState {
				after.JobStatus.UpgradeSavepointPath = up.RestorePath
			}
		} else {
			after.JobStatus.JobID = up.JobID
			after.JobStatus.State = string(flinkrest.JobReconciling)
			after.JobStatus.StartTime, after.JobStatus.UpdateTime = "", ""
		}
	}
	if in.Deployed == nil {
		g.event(false, ReasonSubmit, "Starting deployment %s", describeRestore(up.RestorePath))
	} else if susp {
		g.event(false, ReasonSuspended, "Job suspended (%s)", up.Mode)
	}
	g.d.Action = ActionApply
	g.d.Target = target
	g.d.Context = renderer.RenderContext{RestorePath: up.RestorePath, StartEmpty: true, JobID: up.JobID}
	if target.Job != nil && !susp && kubernetesHA(target) {
		// Before every application deploy with HA: Flink recovers any job
		// graph it finds in HA next to the job it is given (a zombie job
		// of an earlier spec, or of a deleted FlinkDeployment of the same
		// name). A stateless deploy starts from no HA data at all.
		g.d.DeleteHA = up.Mode == v1beta1.UpgradeModeStateless
		g.d.StripHAJobGraphs = !g.d.DeleteHA
	}
	g.d.After = after
}
