package gate

import (
	"fmt"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// How the state of a deployed job is kept when an upgrade (or a suspend)
// takes its cluster down. This is the README's table "How the job's state
// is kept", row for row and in the same order: the first row whose
// condition holds decides. TestStateTableMatchesTheREADME keeps the two
// in step.
var stateTable = []stateRule{
	{"upgradeMode stateless", func(f stateFacts) bool { return f.mode == v1beta1.UpgradeModeStateless }, restartWithoutState},
	{"running, savepoint", func(f stateFacts) bool { return f.running && f.mode == v1beta1.UpgradeModeSavepoint }, stopWithSavepoint},
	{"running, last-state, no HA metadata", func(f stateFacts) bool { return f.running && !f.haMetadata }, holdWithoutHAMetadata},
	{"running, last-state", func(f stateFacts) bool { return f.running }, restoreFromHA},
	{"not running, HA holds a checkpoint", func(f stateFacts) bool { return f.haCheckpoint }, restoreFromHACheckpoint},
	{"not running, the state backend changes", func(f stateFacts) bool {
		return f.backendChanged && (f.haHasCheckpoint || f.terminalWithCheckpoint)
	}, holdForBackendChange},
	{"failed or finished, with a checkpoint", func(f stateFacts) bool { return f.terminalWithCheckpoint }, restoreLatestCheckpoint},
	{"never started", func(f stateFacts) bool { return f.neverStarted }, redeployAsDeployed},
	{"starting or restarting", func(f stateFacts) bool { return f.jobNotYetRunning }, waitForRunning},
	{"REST API not answering", func(f stateFacts) bool { return f.restError != nil }, waitForREST},
	{"JobManager starting", func(f stateFacts) bool { return f.jobManagerStarting }, waitForJobManager},
	{"anything else", func(stateFacts) bool { return true }, holdForManualRestore},
}

// StateRules names the rows of the state table, in order, as
// Decision.StateRule reports them.
func StateRules() []string {
	rows := make([]string, len(stateTable))
	for i, r := range stateTable {
		rows[i] = r.row
	}
	return rows
}

// stateRule is one row: a condition on the facts and what is done.
type stateRule struct {
	row  string
	when func(stateFacts) bool
	// keep records how the state is kept and returns the phase the
	// upgrade starts in, phaseDone when it holds.
	keep func(g *gate, up *v1beta1.UpgradeProgress, f stateFacts) phase
}

// stateFacts are what the table decides on, derived once from the input.
type stateFacts struct {
	// mode is spec.job.upgradeMode, made savepoint where last-state
	// cannot keep the state (see stateFactsOf).
	mode v1beta1.UpgradeMode
	// running: the JobManager is ready and the job RUNNING.
	running bool
	// jobNotYetRunning: the JobManager is ready and the job neither
	// RUNNING nor globally terminal (created, restarting, failing, ...).
	jobNotYetRunning bool
	jobState         flinkrest.JobStatus // "" when unknown
	// haMetadata: Flink's HA ConfigMap of the job exists.
	haMetadata bool
	// haHasCheckpoint: it holds a checkpoint; haCheckpoint: and that
	// checkpoint may be restored across this change (same Flink version
	// and state backend).
	haHasCheckpoint, haCheckpoint bool
	// terminalWithCheckpoint: the job FAILED, FINISHED or CANCELED, and
	// the REST API reports a checkpoint or savepoint to restore from.
	terminalWithCheckpoint bool
	latestCheckpoint       string
	backendChanged         bool
	fromBackend, toBackend string
	// neverStarted: the cluster shows that no JobManager of the deployed
	// spec ever ran (see neverStarted).
	neverStarted       bool
	restError          error
	restAddress        string // the URL dialled, for messages
	jobManager         v1beta1.JobManagerDeploymentStatus
	jobManagerStarting bool
}

// stateFactsOf derives the facts. HA metadata is never trusted across
// Flink versions, and a checkpoint cannot move to another state backend
// (statebackend.go), so last-state becomes savepoint there. It becomes
// savepoint too when HA holds no checkpoint of the running job
// (checkpointing off, or none completed yet): a restore from HA would
// rewind the job to where it last started.
func (g *gate) stateFactsOf() stateFacts {
	in := g.in
	f := stateFacts{mode: in.Spec.Job.UpgradeMode, restError: in.Obs.RESTError, restAddress: in.Obs.RESTAddress(), jobManager: in.Obs.JobManager,
		latestCheckpoint: in.LatestCheckpoint, haMetadata: in.HA.MetadataAvailable}
	versionChanged := in.Deployed.FlinkVersion != in.Spec.FlinkVersion
	f.fromBackend, f.toBackend, f.backendChanged = g.stateBackendChange()
	job := in.Obs.Job
	ready := in.Obs.JobManager == v1beta1.JMReady && job != nil
	if job != nil {
		f.jobState = job.State
	}
	terminal := ready && job.State.IsGloballyTerminal()
	f.running = ready && job.State == flinkrest.JobRunning
	f.jobNotYetRunning = ready && !f.running && !terminal
	f.haHasCheckpoint = in.HA.Enabled && in.HA.MetadataAvailable && in.HA.LatestCheckpointID > 0
	f.haCheckpoint = f.haHasCheckpoint && !versionChanged && !f.backendChanged
	f.terminalWithCheckpoint = terminal && in.LatestCheckpoint != ""
	f.neverStarted = neverStarted(g.st(), in.Obs)
	f.jobManagerStarting = in.Obs.JobManager == v1beta1.JMDeploying || in.Obs.JobManager == v1beta1.JMDeployedNotReady
	if f.mode == v1beta1.UpgradeModeLastState &&
		(versionChanged || f.backendChanged || (f.running && f.haMetadata && !f.haHasCheckpoint)) {
		f.mode = v1beta1.UpgradeModeSavepoint
	}
	return f
}

// takeDownRunningJob picks, from the table, how the deployed job's state
// is kept, and starts the upgrade (returning its first phase) or holds it.
func (g *gate) takeDownRunningJob(up *v1beta1.UpgradeProgress) phase {
	f := g.stateFactsOf()
	up.Mode = f.mode
	for _, rule := range stateTable {
		if rule.when(f) {
			g.d.StateRule = rule.row
			return rule.keep(g, up, f)
		}
	}
	return phaseDone // the last row holds for anything
}

func restartWithoutState(g *gate, up *v1beta1.UpgradeProgress, _ stateFacts) phase {
	up.JobID = g.in.NewJobID
	return g.begin(up, "Upgrading statelessly (upgradeMode stateless): the job restarts without state")
}

func stopWithSavepoint(g *gate, up *v1beta1.UpgradeProgress, _ stateFacts) phase {
	up.Phase = v1beta1.PhaseSavepointing
	st := g.st()
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	return phaseSavepointing
}

func holdWithoutHAMetadata(g *gate, _ *v1beta1.UpgradeProgress, _ stateFacts) phase {
	g.hold("last-state upgrade held: " + haMissing)
	return phaseDone
}

func restoreFromHA(g *gate, up *v1beta1.UpgradeProgress, _ stateFacts) phase {
	up.JobID = deployedJobID(g.st())
	up.RestorePath = lastStateRestorePath(g.st(), g.in.HA)
	return g.begin(up, "Upgrading with last-state: the job restarts %s", describeRestore(up.RestorePath))
}

func restoreFromHACheckpoint(g *gate, up *v1beta1.UpgradeProgress, _ stateFacts) phase {
	up.Mode = v1beta1.UpgradeModeLastState
	up.JobID = deployedJobID(g.st())
	up.RestorePath = LastStateRestorePath
	return g.begin(up, "The job is not running; upgrading from the latest checkpoint in Kubernetes HA")
}

func holdForBackendChange(g *gate, _ *v1beta1.UpgradeProgress, f stateFacts) phase {
	g.hold(fmt.Sprintf("upgrade held: the state backend changes from %s to %s, which needs a CANONICAL savepoint of the running job, but the job is %s; its checkpoints can be restored only by %s. The job keeps its state: let it run again, or undo the state backend change",
		f.fromBackend, f.toBackend, jobStateOf(g.in.Obs), f.fromBackend))
	return phaseDone
}

func restoreLatestCheckpoint(g *gate, up *v1beta1.UpgradeProgress, f stateFacts) phase {
	up.JobID = g.in.NewJobID
	up.RestorePath = f.latestCheckpoint
	return g.begin(up, "The job is %s; upgrading from its latest checkpoint %s", f.jobState, f.latestCheckpoint)
}

// redeployAsDeployed: no job of the deployed spec ever ran, so there is no
// new state to lose; start again from where the deployed one was to start.
func redeployAsDeployed(g *gate, up *v1beta1.UpgradeProgress, _ stateFacts) phase {
	st := g.st()
	up.JobID = g.in.NewJobID
	up.RestorePath = DeployedContext(st).RestorePath
	if st.DeployedWith == nil {
		up.RestorePath = g.in.Deployed.Job.InitialSavepointPath
	}
	return g.begin(up, "The deployed job never started; redeploying %s", describeRestore(up.RestorePath))
}

func waitForRunning(g *gate, up *v1beta1.UpgradeProgress, f stateFacts) phase {
	g.hold(fmt.Sprintf("upgrade waiting: the job is %s; a %s upgrade needs it RUNNING to take a savepoint", f.jobState, up.Mode))
	return phaseDone
}

func waitForREST(g *gate, up *v1beta1.UpgradeProgress, f stateFacts) phase {
	at := ""
	if f.restAddress != "" {
		// The address dialled: its https form when the cluster serves
		// REST over TLS, whose certificate the user has to check.
		at = " at " + f.restAddress
	}
	g.hold(fmt.Sprintf("upgrade waiting: the JobManager's REST API%s does not answer (%v); a %s upgrade needs it to take a savepoint. The job keeps running", at, f.restError, up.Mode))
	return phaseDone
}

func waitForJobManager(g *gate, up *v1beta1.UpgradeProgress, f stateFacts) phase {
	g.hold(fmt.Sprintf("upgrade waiting: the JobManager is starting (%s); a %s upgrade needs its job RUNNING to take a savepoint", f.jobManager, up.Mode))
	return phaseDone
}

func holdForManualRestore(g *gate, _ *v1beta1.UpgradeProgress, f stateFacts) phase {
	state := "unknown"
	if f.jobState != "" {
		state = string(f.jobState)
	}
	g.hold(fmt.Sprintf("upgrade held: the job is %s (JobManager %s) and neither a savepoint nor Kubernetes HA metadata is available to restore from, so a restart would lose its state. Manual restore required: set spec.job.initialSavepointPath and change spec.job.savepointRedeployNonce, or set spec.job.upgradeMode: stateless", state, f.jobManager))
	return phaseDone
}
