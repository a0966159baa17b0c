package gate

import (
	"fmt"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Planning: which restart a spec change needs, and how the running job's
// state is carried over to the new one.

// deployedContext is how the running cluster was rendered. Clusters
// deployed before status.deployedWith existed were rendered with the zero
// context.
func DeployedContext(st *v1beta1.FlinkDeploymentStatus) renderer.RenderContext {
	if st.DeployedWith == nil {
		return renderer.RenderContext{}
	}
	return renderer.RenderContext{RestorePath: st.DeployedWith.RestorePath, StartEmpty: true, JobID: st.DeployedWith.JobID}
}

// applyDeployed keeps the running cluster as it is (correcting drift). A
// drift whose correction would restart a stateful job is held back for
// the gate (driftRestartingJob), and a lost JobManager Deployment is
// re-created only when that keeps the job's state (recoverJobManager).
func (g *gate) applyDeployed() {
	g.apply(ApplyStep{Target: g.in.Deployed, Context: DeployedContext(g.st()), GuardPodTemplates: statefulJob(g.in.Deployed)})
	g.recoverJobManager()
}

// recordInPlace applies a change that does not restart the JobManager.
func (g *gate) recordInPlace() {
	after := g.st().DeepCopy()
	g.recordReconciled(after, g.in.Spec, false)
	// Such a change leaves this operator's pod templates as they were, but
	// those of a cluster another operator made may differ (adopt.go).
	g.apply(ApplyStep{Target: g.in.Spec, Context: DeployedContext(g.st()), GuardPodTemplates: g.foreignGuard()})
	g.d.After = after
	g.recoverJobManager()
}

// markReconciled records spec as the deployed one in st. An error (it
// cannot happen for a spec that decoded) leaves st as it was: a wrong spec
// is never recorded.
func markReconciled(in Input, st *v1beta1.FlinkDeploymentStatus, spec *v1beta1.FlinkDeploymentSpec, first bool) error {
	spec = withConsumedNonce(in.Deployed, spec)
	encoded, err := v1beta1.EncodeReconciledSpec(*spec, first)
	if err != nil {
		return err
	}
	st.ReconciliationStatus.LastReconciledSpec = encoded
	st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	st.ReconciliationStatus.ReconciliationTimestamp = in.Now.UnixMilli()
	st.ObservedGeneration = in.Generation
	return nil
}

// recordReconciled is markReconciled whose error holds the decision.
func (g *gate) recordReconciled(st *v1beta1.FlinkDeploymentStatus, spec *v1beta1.FlinkDeploymentSpec, first bool) {
	if err := markReconciled(g.in, st, spec, first); err != nil {
		g.d.Hold = err.Error()
	}
}

// firstDeploy plans the first deployment of the spec.
func (g *gate) firstDeploy() phase {
	if ref := g.in.Obs.ForeignJobManager; ref != "" {
		// Deploying would replace it, and restart whatever it runs.
		g.holdAdoption(fmt.Sprintf("%s was made by another operator, but status.reconciliationStatus.lastReconciledSpec is empty, so what it runs is unknown and deploying would restart it. "+
			"Restore the status the previous operator wrote, or delete that Deployment to deploy from the spec (docs/migration.md)", ref))
		return phaseDone
	}
	spec := g.in.Spec
	up := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseDeploying, Mode: v1beta1.UpgradeModeStateless, TargetGeneration: g.in.Generation}
	if spec.Job != nil {
		up.Mode = spec.Job.UpgradeMode
		up.RestorePath = spec.Job.InitialSavepointPath
		up.JobID = g.in.NewJobID
		if spec.Job.State == v1beta1.JobStateSuspended {
			up.RestorePath, up.JobID = "", ""
		}
	}
	g.st().Upgrade = up
	return phaseDeploying
}

func Suspended(spec *v1beta1.FlinkDeploymentSpec) bool {
	return spec.Job != nil && spec.Job.State == v1beta1.JobStateSuspended
}

// startUpgrade begins rolling out a change that restarts the JobManager
// and returns the phase it starts in, phaseDone when it holds.
func (g *gate) startUpgrade(diff SpecDiff) phase {
	deployed, spec := g.in.Deployed, g.in.Spec
	st := g.st()
	up := &v1beta1.UpgradeProgress{Mode: v1beta1.UpgradeModeStateless, TargetGeneration: g.in.Generation, Suspend: Suspended(spec)}
	switch {
	case deployed.Job == nil && g.in.SessionJobsWatched && (len(g.in.SessionJobsRunning) > 0 || g.in.Status.SessionUpgrade == nil):
		// Also when none runs, once: status.sessionUpgrade is written
		// before the take-down, so a session job that is about to submit
		// sees it and waits instead of starting on a JobManager that is
		// going away.
		g.holdForSessionJobs()
		return phaseDone
	case spec.Job == nil || deployed.Job == nil:
		// A session cluster has no job state of its own: take it down
		// (Flink's HA data stays) and deploy the new one.
		up.Phase = v1beta1.PhaseTakingDown
	case Suspended(deployed) && Suspended(spec):
		g.editSuspended(diff)
		return phaseDone
	case diff.Type == DiffSavepointRedeploy:
		// Redeploy from initialSavepointPath, whatever runs now.
		up.Phase = v1beta1.PhaseTakingDown
		up.RestorePath = spec.Job.InitialSavepointPath
		up.JobID = g.in.NewJobID
		if up.Suspend {
			// Nothing is deployed yet: the suspension records savepoint
			// mode with the new restore point, and Flink's HA data stays
			// until a deploy actually happens.
			up.Mode = v1beta1.UpgradeModeSavepoint
		}
		g.event(false, ReasonSavepointRedeploy, "Redeploying from %s (savepointRedeployNonce changed)", up.RestorePath)
	case Suspended(deployed):
		return g.resume(up)
	default:
		return g.takeDownRunningJob(up)
	}
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	return phaseTakingDown
}

// editSuspended records an edit of a suspended job. Nothing runs, so
// nothing restarts; what the suspension recorded (the upgradeMode it was
// suspended with, where a resume restores from, whether the job ever ran)
// stays as it was until the resume uses it. Only a savepoint redeploy moves
// the restore point: the job then resumes in savepoint mode from
// initialSavepointPath.
func (g *gate) editSuspended(diff SpecDiff) {
	deployed, spec := g.in.Deployed, g.in.Spec
	target := spec.DeepCopy()
	after := g.st().DeepCopy()
	first := g.in.FirstDeployment
	if target.Job != nil && deployed.Job != nil {
		target.Job.UpgradeMode = deployed.Job.UpgradeMode
		if diff.Type == DiffSavepointRedeploy {
			path := spec.Job.InitialSavepointPath
			target.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint
			after.JobStatus.UpgradeSavepointPath = path
			after.DeployedWith = &v1beta1.DeployedWith{RestorePath: path}
			first = false
			g.event(false, ReasonSavepointRedeploy, "The suspended job will resume from %s (savepointRedeployNonce changed)", path)
		}
	}
	g.recordReconciled(after, target, first)
	g.apply(ApplyStep{Target: target, Context: DeployedContext(g.st())})
	g.d.After = after
}

// resume starts a suspended job again, from where its suspension left it:
// phaseDeploying, or phaseDone when it holds.
func (g *gate) resume(up *v1beta1.UpgradeProgress) phase {
	deployed, spec, st := g.in.Deployed, g.in.Spec, g.st()
	// The mode recorded at suspend time decides, unless the user now asks
	// for a stateless start.
	up.Mode = deployed.Job.UpgradeMode
	if spec.Job.UpgradeMode == v1beta1.UpgradeModeStateless {
		up.Mode = v1beta1.UpgradeModeStateless
	}
	up.JobID = g.in.NewJobID
	neverRan := g.in.FirstDeployment && st.JobStatus.JobID == ""
	switch {
	case neverRan:
		up.RestorePath = spec.Job.InitialSavepointPath
	case up.Mode == v1beta1.UpgradeModeStateless:
	case up.Mode == v1beta1.UpgradeModeSavepoint:
		up.RestorePath = st.JobStatus.UpgradeSavepointPath
		if up.RestorePath == "" {
			g.hold(fmt.Sprintf("cannot resume: the job was suspended with upgradeMode savepoint but status.jobStatus.upgradeSavepointPath is empty. Manual restore required: set spec.job.initialSavepointPath and change spec.job.savepointRedeployNonce, or set spec.job.upgradeMode: stateless to start empty"))
			return phaseDone
		}
		if from, to, changed := g.stateBackendChange(); changed && savepointFormatOf(st, up.RestorePath) != string(flinkrest.SavepointFormatCanonical) {
			g.hold(fmt.Sprintf("cannot resume with state backend %s: the job was suspended with a %s savepoint (%s), which only %s can restore. Resume with state backend %s first; changing it then takes a CANONICAL savepoint", to, savepointFormatOf(st, up.RestorePath), up.RestorePath, from, from))
			return phaseDone
		}
	default: // last-state
		if from, to, changed := g.stateBackendChange(); changed {
			g.hold(fmt.Sprintf("cannot resume with last-state and state backend %s: the job's checkpoints can be restored only by %s. Resume with state backend %s first; changing it then takes a CANONICAL savepoint", to, from, from))
			return phaseDone
		}
		if deployed.FlinkVersion != spec.FlinkVersion {
			g.hold(fmt.Sprintf("cannot resume with last-state from %s to %s: Kubernetes HA metadata is not compatible across Flink versions. Resume on %s first and upgrade with upgradeMode savepoint", deployed.FlinkVersion, spec.FlinkVersion, deployed.FlinkVersion))
			return phaseDone
		}
		if !g.in.HA.MetadataAvailable {
			g.hold(haMissing)
			return phaseDone
		}
		up.JobID = deployedJobID(g.st())
		up.RestorePath = lastStateRestorePath(g.st(), g.in.HA)
	}
	up.Phase = v1beta1.PhaseDeploying
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	g.event(false, ReasonResume, "Resuming the job (%s) %s", up.Mode, describeRestore(up.RestorePath))
	return phaseDeploying
}

const haMissing = "HA metadata is not available to restore from last state. It is possible that the job has finished or terminally failed, or the configmaps have been deleted. Manual restore required: set spec.job.initialSavepointPath and change spec.job.savepointRedeployNonce"

func describeRestore(path string) string {
	switch path {
	case "":
		return "without state"
	case LastStateRestorePath:
		return "from the latest checkpoint in Kubernetes HA"
	}
	return "from " + path
}

// deployedJobID is the job id the running cluster was given.
func deployedJobID(st *v1beta1.FlinkDeploymentStatus) string {
	if st.DeployedWith != nil && st.DeployedWith.JobID != "" {
		return st.DeployedWith.JobID
	}
	return st.JobStatus.JobID
}

// lastStateRestorePath restores from HA when it holds a checkpoint, else
// from where the job started (it has written no checkpoint since).
func lastStateRestorePath(st *v1beta1.FlinkDeploymentStatus, ha HAObservation) string {
	if ha.LatestCheckpointID > 0 {
		return LastStateRestorePath
	}
	if st.DeployedWith != nil {
		return st.DeployedWith.RestorePath
	}
	return ""
}

// hold keeps the running cluster as it is and says why nothing progresses.
func (g *gate) hold(reason string) {
	g.applyDeployedUnlessTakingDown()
	g.d.Hold = reason
	g.d.RequeueAfter = g.in.Policy.WaitInterval
}

func (g *gate) applyDeployedUnlessTakingDown() {
	if up := g.st().Upgrade; up != nil && up.Phase != v1beta1.PhaseSavepointing {
		g.wait()
		return
	}
	g.applyDeployed()
}

// neverStarted: no JobManager of the deployment last made ever ran, so
// the job it was to run has no state of its own yet. This is decided from
// the cluster (status.deployedWith.jobManagerStarted, the Deployment and
// its pods), never from the REST API not answering: a JobManager whose REST
// API the operator cannot reach (a NetworkPolicy, DNS, TLS) may well run
// the job. Without evidence either way the job counts as started.
func neverStarted(st *v1beta1.FlinkDeploymentStatus, obs Observation) bool {
	if st.DeployedWith != nil && st.DeployedWith.JobManagerStarted {
		return false
	}
	if st.JobStatus.StartTime != "" {
		return false // the REST API has seen it
	}
	return obs.JobManagerRan == EvidenceNo
}

// begin records an upgrade whose state is safe as it is: the old cluster
// is taken down next.
func (g *gate) begin(up *v1beta1.UpgradeProgress, format string, args ...any) phase {
	up.Phase = v1beta1.PhaseTakingDown
	st := g.st()
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	g.event(false, ReasonUpgrade, format, args...)
	return phaseTakingDown
}

// holdForSessionJobs holds the restart of a session cluster on which
// FlinkSessionJobs run: taking its JobManager down would end their jobs
// without a savepoint, and their state with them. It records the restart
// as waiting (status.sessionUpgrade), which each of those session jobs
// reads: it stops its job with a savepoint (or cancels a stateless one)
// and records where to resume. Once none runs, the session restarts as
// any session does; once it runs its new spec, the flag is cleared
// (clearSessionUpgrade) and the session jobs resume from their savepoints.
func (g *gate) holdForSessionJobs() {
	msg := fmt.Sprintf("upgrade waiting: FlinkSessionJobs %s run on this session; each is stopped with a savepoint first, "+
		"then the session restarts and they resume from their savepoints",
		strings.Join(g.in.SessionJobsRunning, ", "))
	if len(g.in.SessionJobsRunning) == 0 {
		msg = "upgrade waiting: telling this session's FlinkSessionJobs that it restarts (status.sessionUpgrade), so that none starts a job on it meanwhile"
	}
	g.st().SessionUpgrade = &v1beta1.SessionUpgrade{TargetGeneration: g.in.Generation}
	g.sessionJobsHeld = true
	// upgrade() reports it, once (ReasonUpgradeHeld).
	g.hold(msg)
	g.d.RequeueAfter = g.in.Policy.SavepointPollInterval
}

// clearSessionUpgrade ends a session restart that waited for its session
// jobs once no upgrade is in progress and the decision did not hold for
// them: the session runs its spec (or the change was undone), and they
// may resume.
func (g *gate) clearSessionUpgrade() {
	if g.st().SessionUpgrade != nil && g.st().Upgrade == nil {
		g.st().SessionUpgrade = nil
	}
}
