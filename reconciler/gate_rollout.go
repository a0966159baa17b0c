package reconciler

import (
	"fmt"
	"strings"

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
	if reason := g.restoreMismatch(up, target); reason != "" && !susp {
		g.hold(reason)
		return
	}
	after := st.DeepCopy()
	after.Upgrade = nil
	g.markReconciled(after, target, in.Deployed == nil)
	after.DeployedWith = &v1beta1.DeployedWith{RestorePath: up.RestorePath, JobID: up.JobID}
	after.Error = ""
	if target.Job != nil {
		if susp {
			after.JobStatus.State = string(flinkrest.JobSuspended)
			// Where the resume restores from: the suspend's savepoint,
			// Flink's HA data (last-state) or a redeploy's savepoint.
			if up.RestorePath != "" {
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

// restoreMismatch says why target cannot restore from what the upgrade
// kept, or "". The planner (takeDownRunningJob, resume) applies the Flink
// version and state backend rules to the spec it planned for; a spec edited
// while the upgrade was under way is checked again here, before anything
// starts from the kept state.
func (g *gate) restoreMismatch(up *v1beta1.UpgradeProgress, target *v1beta1.FlinkDeploymentSpec) string {
	deployed := g.in.Deployed
	if deployed == nil || deployed.Job == nil || target.Job == nil || up.RestorePath == "" {
		return ""
	}
	fromHA := up.Mode == v1beta1.UpgradeModeLastState || up.RestorePath == LastStateRestorePath
	from, to, backendChanged := g.stateBackendChange()
	switch {
	case fromHA && deployed.FlinkVersion != target.FlinkVersion:
		return fmt.Sprintf("upgrade held before deploying: spec.flinkVersion changed from %s to %s while a last-state upgrade was under way, and Kubernetes HA metadata is not compatible across Flink versions. The job's state is kept in HA: set spec.flinkVersion back to %s to finish this upgrade, then change the version with upgradeMode savepoint", deployed.FlinkVersion, target.FlinkVersion, deployed.FlinkVersion)
	case backendChanged && (fromHA || savepointFormatOf(g.st(), up.RestorePath) != string(flinkrest.SavepointFormatCanonical)):
		return fmt.Sprintf("upgrade held before deploying: the state backend changed from %s to %s while the upgrade was under way, and the job's state, kept at %s, can be restored only by %s. Set the state backend back to %s to finish this upgrade; changing it afterwards takes a CANONICAL savepoint", from, to, strings.TrimPrefix(describeRestore(up.RestorePath), "from "), from, from)
	}
	return ""
}
