package gate

import (
	"fmt"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Adoption of a cluster another operator made, the Apache Flink
// Kubernetes Operator (docs/migration.md). Its status has the deployed
// spec (lastReconciledSpec, the same format) but not this operator's
// write-ahead record of what runs (status.deployedWith), and its
// JobManager Deployment does not carry this operator's label.
//
// Adoption must not restart the job. What runs is recorded first, from
// what is running: the job id from the REST API, the restore path from
// the previous operator's status. Only then is anything applied, and an
// apply that would change the JobManager's pod template (which restarts
// it) is held back, so the change goes through the gate as an upgrade,
// with a savepoint first, like any other restart of a stateful job
// (recover.go, driftRestartingJob). Without a running job to see, nothing
// is applied at all: the operator cannot know what it would restart.

// heldForAdoption prefixes every adoption hold; " held: " makes it a
// Stalled condition (reconciler/health).
const heldForAdoption = "adoption held: "

// adopting: the running JobManager Deployment was made by another operator
// and status.deployedWith does not yet say what runs.
func (g *gate) adopting() bool {
	return g.in.Obs.ForeignJobManager != "" && g.st().DeployedWith == nil
}

// foreignGuard: an apply must hold back a change to the pod template of a
// Deployment another operator made while it runs a stateful job, so that
// the restart goes through the gate.
func (g *gate) foreignGuard() bool {
	return g.in.Obs.ForeignJobManager != "" && statefulJob(g.in.Deployed)
}

// adopt records what the adopted cluster runs in status.deployedWith, or
// holds and reports false.
func (g *gate) adopt() bool {
	in, st := g.in, g.st()
	ref := in.Obs.ForeignJobManager
	switch state := st.ReconciliationStatus.State; state {
	case v1beta1.ReconciliationUpgrading, v1beta1.ReconciliationRollingBack:
		// The previous operator records the new spec before it takes the
		// old cluster down: what runs may be either.
		return g.holdAdoption(fmt.Sprintf("%s was made by another operator, which stopped in the middle of a change (status.reconciliationStatus.state is %s), so the running cluster may not be the one status.reconciliationStatus.lastReconciledSpec records. "+
			"Start the previous operator again until the FlinkDeployment is STABLE, then switch (docs/migration.md)", ref, state))
	}
	var why string
	switch {
	case in.Obs.RESTError != nil:
		why = fmt.Sprintf("its REST API at %s does not answer (%v)", in.Obs.RESTAddress(), in.Obs.RESTError)
	case in.Obs.JobManager != v1beta1.JMReady:
		why = fmt.Sprintf("its JobManager is %s", in.Obs.JobManager)
		if in.Obs.JobManagerProblem != "" {
			why += ": " + in.Obs.JobManagerProblem
		}
	case in.Deployed.Job != nil && in.Obs.Job == nil:
		why = fmt.Sprintf("its REST API at %s reports no job", in.Obs.RESTAddress())
	}
	if why != "" {
		return g.holdAdoption(fmt.Sprintf("%s was made by another operator, and %s. Nothing is applied until the running job can be seen, so that it is never restarted without a savepoint", ref, why))
	}
	dw := &v1beta1.DeployedWith{RestorePath: adoptedRestorePath(st, in.Deployed, in.FirstDeployment), JobManagerStarted: true}
	job := "a session cluster"
	if in.Obs.Job != nil {
		dw.JobID = in.Obs.Job.ID
		job = fmt.Sprintf("job %s (%s), started %s", in.Obs.Job.ID, in.Obs.Job.State, describeRestore(dw.RestorePath))
	}
	st.DeployedWith = dw
	// Written before anything is applied: the render that follows uses it.
	g.persist = true
	g.event(false, ReasonAdopted, "Adopted %s, made by another operator: it runs %s", ref, job)
	return true
}

// holdAdoption applies nothing and says why.
func (g *gate) holdAdoption(msg string) bool {
	g.wait()
	g.d.Hold = heldForAdoption + msg
	g.d.RequeueAfter = g.in.Policy.WaitInterval
	if g.d.Hold != g.in.Status.Error {
		g.event(true, ReasonUpgradeHeld, "%s", g.d.Hold)
	}
	return false
}

// adoptedRestorePath is where the previous operator started the running
// job from. The reference operator records the savepoint an upgrade or
// resume restored from in jobStatus.upgradeSavepointPath (for last-state
// the placeholder LastStateRestorePath, the same as here), and the
// savepoint it took for it as savepointInfo.lastSavepoint with trigger
// type UPGRADE. A job never upgraded started from the deployed spec's
// initialSavepointPath.
func adoptedRestorePath(st *v1beta1.FlinkDeploymentStatus, deployed *v1beta1.FlinkDeploymentSpec, first bool) string {
	if p := st.JobStatus.UpgradeSavepointPath; p != "" {
		return p
	}
	if info := st.JobStatus.SavepointInfo; info != nil && info.LastSavepoint != nil && info.LastSavepoint.TriggerType == "UPGRADE" {
		return info.LastSavepoint.Location
	}
	if deployed.Job != nil && first {
		return deployed.Job.InitialSavepointPath
	}
	return ""
}
