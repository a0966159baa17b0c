package reconciler

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The upgrade gate decides, from the spec, the status and what was
// observed, the one next step of a FlinkDeployment's lifecycle. It is a pure
// function: it performs no I/O, so every rule is checked as a table in
// gate_test.go, and the reconciler (upgrade.go) carries the step out.
//
// Its one promise: nothing that restarts a stateful job is applied until
// the job's state is safe, which means a savepoint has COMPLETED and its
// location is recorded in status, or (last-state) Flink's HA metadata is
// confirmed. Every step is recorded in status.upgrade before it is taken
// (a write-ahead log), so a restarted operator resumes where the last one
// stopped.

// LastStateRestorePath is the restore path of a last-state deploy when the
// HA metadata holds a checkpoint. Flink restores from HA and ignores it; if
// the HA data has vanished meanwhile, Flink cannot find this path and the
// job fails rather than silently starting empty (as in the reference
// operator).
const LastStateRestorePath = "KUBERNETES_OPERATOR_LAST_STATE"

// Savepoint history entries kept in status.
const maxSavepointHistory = 10

// GatePolicy holds the gate's timings and limits.
type GatePolicy struct {
	// SavepointPollInterval is how often a pending savepoint is polled.
	SavepointPollInterval time.Duration
	// SavepointTimeout is how long a savepoint may take before the attempt
	// counts as failed.
	SavepointTimeout time.Duration
	// MaxSavepointAttempts bounds the attempts per upgrade; then the upgrade
	// is abandoned until the spec changes again.
	MaxSavepointAttempts int32
	// RetryBackoff is the wait after the first failed attempt; it doubles
	// with each further one.
	RetryBackoff time.Duration
	// WaitInterval is how soon to look again while waiting for the job.
	WaitInterval time.Duration
	// TakeDownPollInterval is how often a cluster being deleted is checked.
	TakeDownPollInterval time.Duration
}

// DefaultGatePolicy is used for zero fields of Reconciler.GatePolicy.
var DefaultGatePolicy = GatePolicy{
	SavepointPollInterval: 250 * time.Millisecond,
	SavepointTimeout:      10 * time.Minute,
	MaxSavepointAttempts:  3,
	RetryBackoff:          10 * time.Second,
	WaitInterval:          5 * time.Second,
	TakeDownPollInterval:  250 * time.Millisecond,
}

func (p GatePolicy) withDefaults() GatePolicy {
	d := DefaultGatePolicy
	if p.SavepointPollInterval > 0 {
		d.SavepointPollInterval = p.SavepointPollInterval
	}
	if p.SavepointTimeout > 0 {
		d.SavepointTimeout = p.SavepointTimeout
	}
	if p.MaxSavepointAttempts > 0 {
		d.MaxSavepointAttempts = p.MaxSavepointAttempts
	}
	if p.RetryBackoff > 0 {
		d.RetryBackoff = p.RetryBackoff
	}
	if p.WaitInterval > 0 {
		d.WaitInterval = p.WaitInterval
	}
	if p.TakeDownPollInterval > 0 {
		d.TakeDownPollInterval = p.TakeDownPollInterval
	}
	return d
}

// SavepointState is what polling the pending savepoint showed.
type SavepointState string

// Savepoint poll results.
const (
	// SavepointNotPolled: no poll was possible (REST API unreachable).
	SavepointNotPolled SavepointState = ""
	// SavepointUnknown: Flink does not know the trigger (never sent, or
	// the JobManager restarted).
	SavepointUnknown     SavepointState = "UNKNOWN"
	SavepointInProgress  SavepointState = "IN_PROGRESS"
	SavepointSucceeded   SavepointState = "SUCCEEDED"
	SavepointFailed      SavepointState = "FAILED"
	savepointNotRequired SavepointState = "-"
)

// SavepointObservation is the state of the pending savepoint.
type SavepointObservation struct {
	State    SavepointState
	Location string
	Failure  string
	// TriggerError is set when the trigger call itself was refused.
	TriggerError string
}

// HAObservation is what Flink's Kubernetes HA ConfigMaps showed.
type HAObservation struct {
	// Enabled: the deployed configuration uses Kubernetes HA.
	Enabled bool
	// MetadataAvailable: a job's HA ConfigMap exists.
	MetadataAvailable bool
	// LatestCheckpointID is the highest checkpointID-… key, 0 when none.
	LatestCheckpointID int64
}

// GateInput is everything the gate decides on.
type GateInput struct {
	// Spec is the desired spec, defaulted and valid. When the user's spec
	// is invalid the caller passes the deployed one.
	Spec       *v1beta1.FlinkDeploymentSpec
	Generation int64
	Status     *v1beta1.FlinkDeploymentStatus
	// Deployed is the last reconciled spec; nil before the first deploy.
	Deployed *v1beta1.FlinkDeploymentSpec
	// FirstDeployment: Deployed was recorded by the first deployment.
	FirstDeployment bool
	Obs             Observation
	Savepoint       SavepointObservation
	// LatestCheckpoint is the newest restorable savepoint or checkpoint the
	// REST API reports, when it was asked (job terminal, or a savepoint
	// trigger Flink does not know); LatestCheckpointTime is its trigger
	// time in epoch ms.
	LatestCheckpoint     string
	LatestCheckpointTime int64
	HA                   HAObservation
	// ClusterGone: no Deployment or pod of the cluster is left.
	ClusterGone bool
	// TriggerIDs: the running Flink accepts client-chosen trigger ids.
	TriggerIDs bool
	Now        time.Time
	// Created is the FlinkDeployment's creation time; the first periodic
	// savepoint is due an interval after it.
	Created time.Time
	// NewJobID and NewTriggerID are fresh random ids the gate may use.
	NewJobID, NewTriggerID string
	Policy                 GatePolicy
}

// Action is the side effect the reconciler performs for a decision.
type Action int

// Actions.
const (
	// ActionApply renders Target with Context, applies and prunes.
	ActionApply Action = iota
	// ActionStopWithSavepoint stops the running job with a savepoint.
	ActionStopWithSavepoint
	// ActionTakeDown deletes the cluster's Deployments (and, with
	// DeleteHA, Flink's HA ConfigMaps) and waits for their pods to go.
	ActionTakeDown
	// ActionWait does nothing until RequeueAfter.
	ActionWait
	// ActionTriggerSavepoint takes a savepoint of the running job without
	// stopping it (manual or periodic; see snapshots.go).
	ActionTriggerSavepoint
)

// GateDecision is the gate's answer.
type GateDecision struct {
	// Status is the status to record before the action is taken.
	Status v1beta1.FlinkDeploymentStatus
	// After, when set, replaces Status once the action has succeeded.
	After  *v1beta1.FlinkDeploymentStatus
	Action Action
	// Target and Context are what ActionApply renders.
	Target  *v1beta1.FlinkDeploymentSpec
	Context renderer.RenderContext
	// StripHAJobGraphs removes job graphs from the HA ConfigMaps before a
	// last-state deploy, so the new JobManager runs the new job with the
	// old checkpoints instead of recovering the old job graph.
	StripHAJobGraphs bool
	// DeleteHA goes with ActionTakeDown: a stateless take-down must not
	// leave HA data the new JobManager would recover the old job from.
	DeleteHA bool
	// JobID and TriggerID go with ActionStopWithSavepoint and
	// ActionTriggerSavepoint.
	JobID, TriggerID string
	// SavepointDir goes with ActionTriggerSavepoint.
	SavepointDir string
	// FormatType goes with ActionStopWithSavepoint and
	// ActionTriggerSavepoint: kubernetes.operator.savepoint.format.type of
	// the deployed spec (see savepointFormat). It is empty for Flink
	// versions that do not know it (< 1.15).
	FormatType flinkrest.SavepointFormat
	// Persist writes Status before an ActionApply too: it records the end
	// of a manual or periodic savepoint.
	Persist      bool
	RequeueAfter time.Duration
	// Hold explains why the lifecycle is not progressing; it becomes
	// status.error.
	Hold   string
	Events []GateEvent
}

// GateEvent is a Kubernetes event the decision reports.
type GateEvent struct {
	Warning bool
	Reason  string
	Message string
}

// Decide returns the next step for a FlinkDeployment.
func Decide(in GateInput) GateDecision {
	in.Policy = in.Policy.withDefaults()
	g := &gate{in: in, d: GateDecision{Status: *in.Status.DeepCopy()}}
	g.decide()
	return g.d
}

type gate struct {
	in GateInput
	d  GateDecision
}

func (g *gate) st() *v1beta1.FlinkDeploymentStatus { return &g.d.Status }

func (g *gate) event(warning bool, reason, format string, args ...any) {
	g.d.Events = append(g.d.Events, GateEvent{Warning: warning, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

func (g *gate) decide() {
	if up := g.st().Upgrade; up != nil {
		if g.st().SavepointTrigger != nil {
			// Not started by this operator (settleTriggerBeforeUpgrade
			// ends requests first); never left behind either.
			g.dropTrigger("an upgrade of the job is in progress")
		}
		switch up.Phase {
		case v1beta1.PhaseSavepointing:
			g.savepointing()
		case v1beta1.PhaseTakingDown:
			g.takingDown()
		default:
			g.deploying()
		}
		return
	}
	if g.in.Deployed == nil {
		g.firstDeploy()
		return
	}
	diff := Classify(g.in.Deployed, g.in.Spec)
	switch diff.Type {
	case DiffNone:
		g.applyDeployed()
		g.snapshots()
	case DiffIgnore, DiffScale:
		g.event(false, ReasonSpecChanged, "%s change(s) detected (%s)", diff.Type, strings.Join(diff.Fields, ", "))
		g.recordInPlace()
	default:
		changed := GateEvent{Reason: ReasonSpecChanged, Message: fmt.Sprintf("%s change(s) detected (%s)", diff.Type, strings.Join(diff.Fields, ", "))}
		if !g.settleTriggerBeforeUpgrade() {
			g.startUpgrade(diff)
		}
		switch {
		case g.d.Hold == "" || g.st().Upgrade != nil:
			g.d.Events = append([]GateEvent{changed}, g.d.Events...)
		case g.d.Hold != g.in.Status.Error:
			// Held before it started: say so once, not on every retry.
			g.d.Events = append(g.d.Events, changed, GateEvent{Warning: true, Reason: ReasonUpgradeHeld, Message: g.d.Hold})
		}
	}
}

// deployedContext is how the running cluster was rendered. Clusters
// deployed before status.deployedWith existed were rendered with the zero
// context.
func deployedContext(st *v1beta1.FlinkDeploymentStatus) renderer.RenderContext {
	if st.DeployedWith == nil {
		return renderer.RenderContext{}
	}
	return renderer.RenderContext{RestorePath: st.DeployedWith.RestorePath, StartEmpty: true, JobID: st.DeployedWith.JobID}
}

// applyDeployed keeps the running cluster as it is (correcting drift).
func (g *gate) applyDeployed() {
	g.d.Action = ActionApply
	g.d.Target = g.in.Deployed
	g.d.Context = deployedContext(g.st())
}

// recordInPlace applies a change that does not restart the JobManager.
func (g *gate) recordInPlace() {
	after := g.st().DeepCopy()
	g.markReconciled(after, g.in.Spec, false)
	g.d.Action = ActionApply
	g.d.Target = g.in.Spec
	g.d.Context = deployedContext(g.st())
	g.d.After = after
}

// markReconciled records spec as the deployed one in st.
func (g *gate) markReconciled(st *v1beta1.FlinkDeploymentStatus, spec *v1beta1.FlinkDeploymentSpec, first bool) {
	spec = withConsumedNonce(g.in.Deployed, spec)
	encoded, err := encodeReconciledSpec(*spec, first)
	if err != nil {
		// Cannot happen for a spec that decoded; never record a wrong one.
		g.d.Hold = err.Error()
		return
	}
	st.ReconciliationStatus.LastReconciledSpec = encoded
	st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	st.ReconciliationStatus.ReconciliationTimestamp = g.in.Now.UnixMilli()
	st.ObservedGeneration = g.in.Generation
}

func (g *gate) firstDeploy() {
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
	g.deploying()
}

func suspended(spec *v1beta1.FlinkDeploymentSpec) bool {
	return spec.Job != nil && spec.Job.State == v1beta1.JobStateSuspended
}

// startUpgrade begins rolling out a change that restarts the JobManager.
func (g *gate) startUpgrade(diff SpecDiff) {
	deployed, spec := g.in.Deployed, g.in.Spec
	st := g.st()
	up := &v1beta1.UpgradeProgress{Mode: v1beta1.UpgradeModeStateless, TargetGeneration: g.in.Generation, Suspend: suspended(spec)}
	switch {
	case spec.Job == nil || deployed.Job == nil:
		// A session cluster has no job state: take it down (Flink's HA
		// data stays) and deploy the new one.
		up.Phase = v1beta1.PhaseTakingDown
	case diff.Type == DiffSavepointRedeploy:
		// Redeploy from initialSavepointPath, whatever runs now.
		up.Phase = v1beta1.PhaseTakingDown
		up.RestorePath = spec.Job.InitialSavepointPath
		up.JobID = g.in.NewJobID
		g.event(false, ReasonSavepointRedeploy, "Redeploying from %s (savepointRedeployNonce changed)", up.RestorePath)
	case suspended(deployed) && suspended(spec):
		// Nothing runs; just record the edit.
		g.recordInPlace()
		return
	case suspended(deployed):
		g.resume(up)
		return
	default:
		g.takeDownRunningJob(up)
		return
	}
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	g.takingDown()
}

// resume starts a suspended job again, from where its suspension left it.
func (g *gate) resume(up *v1beta1.UpgradeProgress) {
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
			return
		}
		if from, to, changed := g.stateBackendChange(); changed && savepointFormatOf(st, up.RestorePath) != string(flinkrest.SavepointFormatCanonical) {
			g.hold(fmt.Sprintf("cannot resume with state backend %s: the job was suspended with a %s savepoint (%s), which only %s can restore. Resume with state backend %s first; changing it then takes a CANONICAL savepoint", to, savepointFormatOf(st, up.RestorePath), up.RestorePath, from, from))
			return
		}
	default: // last-state
		if from, to, changed := g.stateBackendChange(); changed {
			g.hold(fmt.Sprintf("cannot resume with last-state and state backend %s: the job's checkpoints can be restored only by %s. Resume with state backend %s first; changing it then takes a CANONICAL savepoint", to, from, from))
			return
		}
		if deployed.FlinkVersion != spec.FlinkVersion {
			g.hold(fmt.Sprintf("cannot resume with last-state from %s to %s: Kubernetes HA metadata is not compatible across Flink versions. Resume on %s first and upgrade with upgradeMode savepoint", deployed.FlinkVersion, spec.FlinkVersion, deployed.FlinkVersion))
			return
		}
		if !g.in.HA.MetadataAvailable {
			g.hold(haMissing)
			return
		}
		up.JobID = g.deployedJobID()
		up.RestorePath = g.lastStateRestorePath()
	}
	up.Phase = v1beta1.PhaseDeploying
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	g.event(false, ReasonResume, "Resuming the job (%s) %s", up.Mode, describeRestore(up.RestorePath))
	g.deploying()
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
func (g *gate) deployedJobID() string {
	st := g.st()
	if st.DeployedWith != nil && st.DeployedWith.JobID != "" {
		return st.DeployedWith.JobID
	}
	return st.JobStatus.JobID
}

// lastStateRestorePath restores from HA when it holds a checkpoint, else
// from where the job started (it has written no checkpoint since).
func (g *gate) lastStateRestorePath() string {
	if g.in.HA.LatestCheckpointID > 0 {
		return LastStateRestorePath
	}
	if st := g.st(); st.DeployedWith != nil {
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
		g.d.Action = ActionWait
		return
	}
	g.applyDeployed()
}

// takeDownRunningJob picks how the running job's state is kept: savepoint,
// HA metadata, or (only when the user asked for it) none.
func (g *gate) takeDownRunningJob(up *v1beta1.UpgradeProgress) {
	deployed, spec, st, in := g.in.Deployed, g.in.Spec, g.st(), g.in
	up.Mode = spec.Job.UpgradeMode
	versionChanged := deployed.FlinkVersion != spec.FlinkVersion
	fromBackend, toBackend, backendChanged := g.stateBackendChange()
	if up.Mode == v1beta1.UpgradeModeLastState && (versionChanged || backendChanged) {
		// HA metadata is never trusted across Flink versions, and a
		// checkpoint cannot move to another state backend
		// (statebackend.go).
		up.Mode = v1beta1.UpgradeModeSavepoint
	}
	job := in.Obs.Job
	ready := in.Obs.JobManager == v1beta1.JMReady && job != nil
	running := ready && job.State == flinkrest.JobRunning
	haHasCheckpoint := in.HA.Enabled && in.HA.MetadataAvailable && in.HA.LatestCheckpointID > 0
	terminalWithCheckpoint := ready && terminal(string(job.State)) && in.LatestCheckpoint != ""
	haCheckpoint := haHasCheckpoint && !versionChanged && !backendChanged

	switch {
	case up.Mode == v1beta1.UpgradeModeStateless:
		up.JobID = in.NewJobID
		g.begin(up, v1beta1.PhaseTakingDown, "Upgrading statelessly (upgradeMode stateless): the job restarts without state")
	case running && up.Mode == v1beta1.UpgradeModeSavepoint:
		up.Phase = v1beta1.PhaseSavepointing
		st.Upgrade = up
		st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
		g.savepointing()
	case running: // last-state
		if !in.HA.MetadataAvailable {
			g.hold("last-state upgrade held: " + haMissing)
			return
		}
		up.JobID = g.deployedJobID()
		up.RestorePath = g.lastStateRestorePath()
		g.begin(up, v1beta1.PhaseTakingDown, "Upgrading with last-state: the job restarts %s", describeRestore(up.RestorePath))
	case haCheckpoint:
		// The job is not running (restarting, failing, JobManager down)
		// but Flink's HA holds its latest checkpoint: restore from that.
		up.Mode = v1beta1.UpgradeModeLastState
		up.JobID = g.deployedJobID()
		up.RestorePath = LastStateRestorePath
		g.begin(up, v1beta1.PhaseTakingDown, "The job is not running; upgrading from the latest checkpoint in Kubernetes HA")
	case backendChanged && (haHasCheckpoint || terminalWithCheckpoint):
		g.hold(fmt.Sprintf("upgrade held: the state backend changes from %s to %s, which needs a CANONICAL savepoint of the running job, but the job is %s; its checkpoints can be restored only by %s. The job keeps its state: let it run again, or undo the state backend change", fromBackend, toBackend, jobStateOf(in.Obs), fromBackend))
	case terminalWithCheckpoint:
		up.JobID = in.NewJobID
		up.RestorePath = in.LatestCheckpoint
		g.begin(up, v1beta1.PhaseTakingDown, "The job is %s; upgrading from its latest checkpoint %s", job.State, in.LatestCheckpoint)
	case neverStarted(st):
		// No job of the deployed spec ever ran, so there is no new state
		// to lose: start again from where the deployed one was to start.
		up.JobID = in.NewJobID
		up.RestorePath = deployedContext(st).RestorePath
		if st.DeployedWith == nil {
			up.RestorePath = deployed.Job.InitialSavepointPath
		}
		g.begin(up, v1beta1.PhaseTakingDown, "The deployed job never started; redeploying %s", describeRestore(up.RestorePath))
	case ready && !terminal(string(job.State)):
		g.hold(fmt.Sprintf("upgrade waiting: the job is %s; a %s upgrade needs it RUNNING to take a savepoint", job.State, up.Mode))
	case in.Obs.RESTError != nil:
		g.hold(fmt.Sprintf("upgrade waiting: the JobManager's REST API does not answer (%v); a %s upgrade needs it to take a savepoint. The job keeps running", in.Obs.RESTError, up.Mode))
	case in.Obs.JobManager == v1beta1.JMDeploying || in.Obs.JobManager == v1beta1.JMDeployedNotReady:
		g.hold(fmt.Sprintf("upgrade waiting: the JobManager is starting (%s); a %s upgrade needs its job RUNNING to take a savepoint", in.Obs.JobManager, up.Mode))
	default:
		state := "unknown"
		if job != nil {
			state = string(job.State)
		}
		g.hold(fmt.Sprintf("upgrade held: the job is %s (JobManager %s) and neither a savepoint nor Kubernetes HA metadata is available to restore from, so a restart would lose its state. Manual restore required: set spec.job.initialSavepointPath and change spec.job.savepointRedeployNonce, or set spec.job.upgradeMode: stateless", state, in.Obs.JobManager))
	}
}

// neverStarted: the job deployed last has not been seen running.
func neverStarted(st *v1beta1.FlinkDeploymentStatus) bool {
	return st.JobStatus.StartTime == "" && (st.JobStatus.State == "" || st.JobStatus.State == string(flinkrest.JobReconciling))
}

func (g *gate) begin(up *v1beta1.UpgradeProgress, phase v1beta1.UpgradePhase, format string, args ...any) {
	up.Phase = phase
	st := g.st()
	st.Upgrade = up
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	g.event(false, ReasonUpgrade, format, args...)
	g.takingDown()
}

// savepointing drives the stop-with-savepoint of an upgrade or suspend.
func (g *gate) savepointing() {
	in, st := g.in, g.st()
	up := st.Upgrade
	now := in.Now.UnixMilli()
	if up.Failures >= in.Policy.MaxSavepointAttempts {
		if in.Generation == up.TargetGeneration {
			// Abandoned; a new spec edit starts over.
			g.hold(abandonedMessage(up, in.Policy.MaxSavepointAttempts))
			g.d.RequeueAfter = 0
			return
		}
		st.Upgrade = nil
		st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
		g.decide()
		return
	}
	if up.TriggerID == "" && up.TriggerTimestamp == 0 {
		g.trigger(up, now)
		return
	}
	sp := in.Savepoint
	if sp.TriggerError != "" {
		g.savepointFailed(up, now, "Flink refused the stop-with-savepoint: "+sp.TriggerError)
		return
	}
	switch sp.State {
	case SavepointSucceeded:
		g.savepointDone(up, sp.Location)
		return
	case SavepointFailed:
		g.savepointFailed(up, now, sp.Failure)
		return
	case SavepointUnknown:
		// Flink does not know the trigger: it was never sent (the
		// operator stopped between recording and sending it), or the
		// JobManager restarted, or (Flink < 1.15) its id was lost.
		if _, _, backendChanged := g.stateBackendChange(); in.LatestCheckpoint != "" && in.LatestCheckpointTime >= up.TriggerTimestamp && !backendChanged {
			g.savepointDone(up, in.LatestCheckpoint)
			return
		}
		if in.Obs.JobManager == v1beta1.JMReady && in.Obs.Job != nil && in.Obs.Job.State == flinkrest.JobRunning {
			g.d.Action = ActionStopWithSavepoint
			g.d.JobID, g.d.TriggerID = in.Obs.Job.ID, up.TriggerID
			g.d.FormatType = g.formatToSend(g.requestedFormat(st.JobStatus.SavepointInfo))
			g.d.RequeueAfter = in.Policy.SavepointPollInterval
			return
		}
		g.savepointFailed(up, now, fmt.Sprintf("the job stopped (%s) without the requested savepoint", jobStateOf(in.Obs)))
		return
	}
	// In progress, or the REST API did not answer.
	if elapsed := in.Now.Sub(time.UnixMilli(up.TriggerTimestamp)); elapsed > in.Policy.SavepointTimeout {
		g.savepointFailed(up, now, fmt.Sprintf("the savepoint did not complete within %s; raise execution.checkpointing.timeout if savepoints of this job take longer", in.Policy.SavepointTimeout))
		return
	}
	g.applyDeployed()
	g.d.RequeueAfter = in.Policy.SavepointPollInterval
}

func jobStateOf(obs Observation) string {
	if obs.Job == nil {
		return "job unknown, JobManager " + string(obs.JobManager)
	}
	return string(obs.Job.State)
}

func abandonedMessage(up *v1beta1.UpgradeProgress, attempts int32) string {
	return fmt.Sprintf("upgrade to generation %d abandoned after %d failed savepoints (last: %s); the job keeps running the previous spec. Fix the cause and edit the spec (for example change spec.restartNonce) to try again", up.TargetGeneration, attempts, up.LastFailure)
}

// trigger records a new savepoint trigger; the call follows once it is
// recorded.
func (g *gate) trigger(up *v1beta1.UpgradeProgress, now int64) {
	in, st := g.in, g.st()
	if now < up.RetryAfter {
		g.hold(fmt.Sprintf("savepoint attempt %d failed: %s; retrying at %s", up.Failures, up.LastFailure, time.UnixMilli(up.RetryAfter).UTC().Format(time.RFC3339)))
		g.d.RequeueAfter = time.UnixMilli(up.RetryAfter).Sub(in.Now)
		return
	}
	if in.Obs.JobManager != v1beta1.JMReady || in.Obs.Job == nil || in.Obs.Job.State != flinkrest.JobRunning {
		// The job stopped running meanwhile: choose again how to keep
		// its state (HA, its last checkpoint), or wait.
		failures, lastFailure := up.Failures, up.LastFailure
		st.Upgrade = nil
		next := &v1beta1.UpgradeProgress{TargetGeneration: up.TargetGeneration, Suspend: up.Suspend, Failures: failures, LastFailure: lastFailure}
		g.takeDownRunningJobNotRunning(next)
		return
	}
	up.TriggerTimestamp = now
	if in.TriggerIDs {
		up.TriggerID = in.NewTriggerID
	}
	ts := now
	if st.JobStatus.SavepointInfo == nil {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	info := st.JobStatus.SavepointInfo
	format := g.upgradeSavepointFormat()
	info.TriggerID, info.TriggerTimestamp, info.TriggerType, info.FormatType = up.TriggerID, &ts, "UPGRADE", string(format)
	why := ""
	if from, to, changed := g.stateBackendChange(); changed {
		why = fmt.Sprintf(" (the state backend changes from %s to %s)", from, to)
	}
	g.event(false, ReasonSavepoint, "Stopping job %s with a %s savepoint before the %s%s", in.Obs.Job.ID, format, upgradeOrSuspend(up), why)
	g.d.Action = ActionStopWithSavepoint
	g.d.JobID, g.d.TriggerID = in.Obs.Job.ID, up.TriggerID
	g.d.FormatType = g.formatToSend(format)
	g.d.RequeueAfter = in.Policy.SavepointPollInterval
}

// takeDownRunningJobNotRunning re-plans a savepoint upgrade whose job
// stopped running before the savepoint could be taken.
func (g *gate) takeDownRunningJobNotRunning(up *v1beta1.UpgradeProgress) {
	g.takeDownRunningJob(up)
	if g.d.Hold != "" {
		// Keep waiting in the savepoint phase so the attempt count holds.
		st := g.st()
		up.Phase = v1beta1.PhaseSavepointing
		up.Mode = v1beta1.UpgradeModeSavepoint
		st.Upgrade = up
		st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
		g.d.Action = ActionApply
		g.d.Target, g.d.Context = g.in.Deployed, deployedContext(st)
	}
}

func upgradeOrSuspend(up *v1beta1.UpgradeProgress) string {
	if up.Suspend {
		return "suspend"
	}
	return "upgrade"
}

// savepointDone records a completed savepoint and moves on to the
// take-down: the state is safe now.
func (g *gate) savepointDone(up *v1beta1.UpgradeProgress, location string) {
	st, now := g.st(), g.in.Now.UnixMilli()
	st.JobStatus.UpgradeSavepointPath = location
	if st.JobStatus.SavepointInfo == nil {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	info := st.JobStatus.SavepointInfo
	sp := v1beta1.Savepoint{TimeStamp: now, Location: location, TriggerType: "UPGRADE", FormatType: string(g.requestedFormat(info))}
	recordSavepoint(info, sp)
	up.RestorePath = location
	up.JobID = g.in.NewJobID
	up.TriggerID, up.TriggerTimestamp, up.LastFailure = "", 0, ""
	up.Phase = v1beta1.PhaseTakingDown
	g.event(false, ReasonSavepoint, "Savepoint completed at %s", location)
	g.takingDown()
}

// savepointFailed records a failed attempt; the job keeps running and the
// attempt is retried with a growing delay, up to the policy's limit.
func (g *gate) savepointFailed(up *v1beta1.UpgradeProgress, now int64, cause string) {
	st, p := g.st(), g.in.Policy
	up.Failures++
	up.LastFailure = cause
	up.TriggerID, up.TriggerTimestamp = "", 0
	if info := st.JobStatus.SavepointInfo; info != nil {
		info.TriggerID, info.TriggerTimestamp, info.TriggerType, info.FormatType = "", nil, "", ""
	}
	if up.Failures >= p.MaxSavepointAttempts {
		st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
		g.event(true, ReasonUpgradeFailed, "%s", abandonedMessage(up, p.MaxSavepointAttempts))
		g.hold(abandonedMessage(up, p.MaxSavepointAttempts))
		g.d.RequeueAfter = 0
		return
	}
	backoff := p.RetryBackoff << (up.Failures - 1)
	up.RetryAfter = now + backoff.Milliseconds()
	msg := fmt.Sprintf("savepoint for the %s failed (attempt %d of %d), retrying in %s; the job keeps running: %s", upgradeOrSuspend(up), up.Failures, p.MaxSavepointAttempts, backoff, cause)
	g.event(true, ReasonSavepointError, "%s", msg)
	g.hold(msg)
	g.d.RequeueAfter = backoff
}

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
	g.d.StripHAJobGraphs = up.Mode == v1beta1.UpgradeModeLastState && !susp && target.Job != nil
	g.d.After = after
}
