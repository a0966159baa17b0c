package sessionjob

import (
	"fmt"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
)

// SessionState is what the target session FlinkDeployment is.
type SessionState int

// SessionState values. Only SessionReady lets a job be submitted.
const (
	SessionReady SessionState = iota
	// SessionMissing: no FlinkDeployment of that name in the namespace.
	SessionMissing
	// SessionApplication: the FlinkDeployment has spec.job; an application
	// cluster runs its own job only.
	SessionApplication
	// SessionNotReady: the session's JobManager is not READY.
	SessionNotReady
)

// JobPresence is whether the JobManager knows a job id.
type JobPresence int

// JobPresence values.
const (
	// JobNotAsked: the pass did not ask (the step does not depend on it).
	JobNotAsked JobPresence = iota
	JobFound
	JobNotFound
	// JobUnknown: the REST API did not answer.
	JobUnknown
)

// Facts is what one pass knows of a FlinkSessionJob. The controller fills
// it; Decide reads nothing else.
type Facts struct {
	Deleting bool
	Session  SessionState
	// Submitting: status.upgrade (phase Deploying) records a job id that
	// is to be, or may have been, submitted.
	Submitting bool
	// JarRecorded: status.jar names an uploaded jar.
	JarRecorded bool
	// Deployed: status.deployedWith records the submitted job.
	Deployed bool
	// SubmittingJob: whether the JobManager knows status.upgrade.jobId;
	// asked only when a run may have been sent (Submitting and
	// JarRecorded).
	SubmittingJob JobPresence
	// SpecChange names a change of the spec since the submission ("" when
	// none).
	SpecChange string
	// Plan is how SpecChange is carried out (PlanHold: it is not).
	Plan Plan
	// JobRunning: the JobManager reports the deployed job RUNNING;
	// JobEnded: globally terminal (FAILED, CANCELED, FINISHED). Asked
	// before a stateful change is recorded (PlanSavepoint, PlanLastState,
	// or a suspend with a savepoint).
	JobRunning, JobEnded bool
	// Checkpoint is what the JobManager reports of the deployed job's
	// latest checkpoint. Asked for a last-state change of a running job
	// and a stateful change of an ended one (a take-down that restores
	// from it reads it into TakeDown).
	Checkpoint CheckpointState
	// SessionRestarting: the session's restart waits for its session
	// jobs (or is under way): a deployed job stops with a savepoint (the
	// pass plans it as a suspend that keeps the spec), and nothing is
	// submitted until it is over.
	SessionRestarting bool
	// Parked: the job was stopped for a session restart (nothing is
	// deployed, the recorded spec runs, and the current one too); it
	// resumes from its savepoint once the session runs.
	Parked bool
	// SnapshotRequested: status.savepointTrigger records a manual or
	// periodic savepoint, which an upgrade settles first.
	SnapshotRequested bool
	// Stopping: status.upgrade (phase Savepointing) records a
	// stop-with-savepoint, in flight or failed; Stop is what the pass
	// read of it. The gate's stop table decides on it
	// (gate.DecideSessionJobStop), as a FlinkDeployment's upgrade
	// savepoint is decided: the same reading of a poll, the same retries
	// with back-off, the same savepoint timeout.
	Stopping bool
	Stop     gate.SessionJobStopFacts
	// Suspended: nothing is deployed and the recorded spec is suspended;
	// Resume: the current spec asks for the job to run again.
	Suspended bool
	Resume    bool
	// SuspendOnly: nothing is deployed or recorded and the spec asks for
	// a suspended job from the start.
	SuspendOnly bool
	// TakingDown: status.upgrade (phase TakingDown) records that the
	// deployed job is being taken down (cancelled, stopping after its
	// savepoint, or cancelled for a restore of its latest checkpoint);
	// TakeDown is what the pass read of it, which the gate's take-down
	// table decides on (gate.DecideSessionJobTakeDown).
	TakingDown bool
	TakeDown   gate.SessionJobTakeDownFacts
	// DeployedJob: whether the JobManager knows the deployed job, asked
	// before a stateful change is recorded.
	DeployedJob JobPresence
}

// Plan is how a spec change after submission is carried out
// (submission.Plan, which flink-render plan reads too).
type Plan = submission.Plan

// Plan values: submission's.
const (
	PlanHold             = submission.PlanHold
	PlanStateless        = submission.PlanStateless
	PlanSavepoint        = submission.PlanSavepoint
	PlanSuspendSavepoint = submission.PlanSuspendSavepoint
	PlanSuspendCancel    = submission.PlanSuspendCancel
	PlanLastState        = submission.PlanLastState
	PlanRedeploy         = submission.PlanRedeploy
)

// CheckpointState is what the JobManager reports of the deployed job's
// latest checkpoint: the gate's.
type CheckpointState = gate.SessionJobCheckpoint

// CheckpointState values: the gate's.
const (
	CheckpointNotAsked    = gate.SessionJobCheckpointNotAsked
	CheckpointRestorable  = gate.SessionJobCheckpointRestorable
	CheckpointNotRetained = gate.SessionJobCheckpointNotRetained
	CheckpointNone        = gate.SessionJobCheckpointNone
	CheckpointUnknown     = gate.SessionJobCheckpointUnknown
)

// Step is what a pass does.
type Step int

// Steps, in the order a first submission meets them.
const (
	// StepWaitSession holds until the session is a READY session cluster.
	StepWaitSession Step = iota
	// StepWriteAhead chooses the job id and records it (status.upgrade),
	// with the spec to submit, before anything is sent.
	StepWriteAhead
	// StepUpload fetches the jar and uploads it, then records status.jar.
	StepUpload
	// StepRun runs the recorded jar under the recorded job id.
	StepRun
	// StepRecord records the job the JobManager has under the recorded id
	// (status.deployedWith, status.jobStatus.jobId) and clears
	// status.upgrade.
	StepRecord
	// StepDeleteJar deletes the jar of a submitted job.
	StepDeleteJar
	// StepObserve reads the job and reports its state, and serves manual
	// and periodic savepoints (snapshots.go).
	StepObserve
	// StepHoldChange observes and says which spec change waits.
	StepHoldChange
	// StepWaitREST waits for the JobManager to answer before running: a
	// run must not be sent before the JobManager said whether it has
	// the job.
	StepWaitREST
	// StepFinalize cancels the job, deletes the jar and releases the
	// finalizer (finalize.go).
	StepFinalize
	// StepStartUpgrade records a stateless upgrade (status.upgrade, phase
	// TakingDown, with the new job id and the spec to submit) before the
	// deployed job is cancelled.
	StepStartUpgrade
	// StepCancel cancels the deployed job, or waits for its cancellation.
	StepCancel
	// StepDeployUpgrade moves a stateless upgrade whose old job ended to
	// the submission (phase Deploying).
	StepDeployUpgrade
	// StepStartSavepoint records a stop-with-savepoint (status.upgrade,
	// phase Savepointing, with its trigger id) before it is sent.
	StepStartSavepoint
	// StepTriggerStop sends the recorded stop-with-savepoint.
	StepTriggerStop
	// StepWaitSavepoint polls again; the job keeps running.
	StepWaitSavepoint
	// StepSavepointDone records the savepoint's location and the new job
	// id (phase TakingDown), and the spec to submit.
	StepSavepointDone
	// StepSavepointFailed records the failure (a retry with back-off, or,
	// when the attempts are spent, a hold); the job runs.
	StepSavepointFailed
	// StepSavepointLost holds: the job stopped and the location of its
	// savepoint is not known (Manual restore required).
	StepSavepointLost
	// StepSuspended records that nothing runs: a suspend's take-down is
	// over, or the spec was suspended before any submission.
	StepSuspended
	// StepResume records the submission of a suspended job from the
	// savepoint its suspend recorded.
	StepResume
	// StepStartCheckpointUpgrade records an upgrade that restores from the
	// deployed job's latest checkpoint (status.upgrade, phase TakingDown,
	// mode last-state, with the new job id and the spec to submit) before
	// a running job is cancelled; an ended job needs no cancel.
	StepStartCheckpointUpgrade
	// StepRestoreCheckpoint records the ended job's latest checkpoint as
	// the restore path and moves to the submission (phase Deploying).
	StepRestoreCheckpoint
	// StepCheckpointLost holds: the job ended and its latest checkpoint
	// cannot be read (the JobManager forgot the job) or is not
	// restorable. Submitting without it would lose the state.
	StepCheckpointLost
	// StepSettleSnapshot ends a manual or periodic savepoint before an
	// upgrade starts: it waits for the attempt in flight (at most the
	// savepoint timeout) and records it, or drops the request.
	StepSettleSnapshot
	// StepRetrySavepoint records a new trigger id for a failed
	// stop-with-savepoint whose back-off has passed (the next pass sends
	// it), or, when the job no longer runs, drops the upgrade so that the
	// state table plans it again.
	StepRetrySavepoint
	// StepWaitSavepointRetry waits for the back-off of a failed
	// stop-with-savepoint; the job runs.
	StepWaitSavepointRetry
	// StepReplanStop drops a recorded stop-with-savepoint that no longer
	// applies (the job ended, or the spec changed since): the state table
	// plans the change again.
	StepReplanStop
)

var stepNames = [...]string{"WaitSession", "WriteAhead", "Upload", "Run", "Record", "DeleteJar", "Observe", "HoldChange", "WaitREST", "Finalize", "StartUpgrade", "Cancel", "DeployUpgrade",
	"StartSavepoint", "TriggerStop", "WaitSavepoint", "SavepointDone", "SavepointFailed", "SavepointLost", "Suspended", "Resume",
	"StartCheckpointUpgrade", "RestoreCheckpoint", "CheckpointLost", "SettleSnapshot", "RetrySavepoint", "WaitSavepointRetry", "ReplanStop"}

func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// keepSteps is the step that carries out each decision of the gate's
// session-job table.
var keepSteps = map[gate.SessionJobKeep]Step{
	gate.SessionJobHold:              StepHoldChange,
	gate.SessionJobWaitForSession:    StepWaitSession,
	gate.SessionJobSettleSnapshot:    StepSettleSnapshot,
	gate.SessionJobCancel:            StepStartUpgrade,
	gate.SessionJobStopWithSavepoint: StepStartSavepoint,
	gate.SessionJobRestoreCheckpoint: StepStartCheckpointUpgrade,
}

// stopSteps is the step that carries out each decision of the gate's
// stop table.
var stopSteps = map[gate.SessionJobStopStep]Step{
	gate.SessionJobStopWait:           StepWaitSavepoint,
	gate.SessionJobStopWaitForSession: StepWaitSession,
	gate.SessionJobStopDone:           StepSavepointDone,
	gate.SessionJobStopFailed:         StepSavepointFailed,
	gate.SessionJobStopResend:         StepTriggerStop,
	gate.SessionJobStopReplan:         StepReplanStop,
	gate.SessionJobStopLost:           StepSavepointLost,
	gate.SessionJobStopWaitRetry:      StepWaitSavepointRetry,
	gate.SessionJobStopRetry:          StepRetrySavepoint,
	gate.SessionJobStopHold:           StepHoldChange,
}

// takeDownSteps is the step that carries out each decision of the gate's
// take-down table.
var takeDownSteps = map[gate.SessionJobTakeDownStep]Step{
	gate.SessionJobTakeDownWait:              StepWaitREST,
	gate.SessionJobTakeDownWaitForSession:    StepWaitSession,
	gate.SessionJobTakeDownCancel:            StepCancel,
	gate.SessionJobTakeDownSubmit:            StepDeployUpgrade,
	gate.SessionJobTakeDownRestoreCheckpoint: StepRestoreCheckpoint,
	gate.SessionJobTakeDownCheckpointLost:    StepCheckpointLost,
}

// change is what the gate's session-job table reads of the facts.
func (f Facts) change() gate.SessionJobChange {
	return gate.SessionJobChange{
		Held:             f.Plan == PlanHold,
		SessionReady:     f.Session == SessionReady,
		SnapshotInFlight: f.SnapshotRequested,
		CancelOnly:       f.Plan == PlanStateless || f.Plan == PlanSuspendCancel || f.Plan == PlanRedeploy,
		Resubmits:        f.Plan == PlanSavepoint || f.Plan == PlanLastState,
		LastState:        f.Plan == PlanLastState,
		JobKnown:         f.DeployedJob == JobFound,
		Running:          f.JobRunning,
		Ended:            f.JobEnded,
		Checkpoint:       f.Checkpoint,
	}
}

// Decide picks the one step of a pass. How a deployed job's state is kept
// when its spec changes is the gate's table (gate.KeepSessionJobState),
// and a stop-with-savepoint and a take-down in progress are the gate's
// too (gate.DecideSessionJobStop, gate.DecideSessionJobTakeDown), each the
// design's table row for row; Decide sequences them with the submission's
// write-ahead protocol. It is pure and table-tested (decide_test.go).
//
// The order of the checks is the crash-safety argument:
//   - a recorded job id the JobManager already knows is recorded before
//     anything else, because a run was sent and its answer (or the status
//     write after it) lost; running again would be refused as a duplicate
//     anyway, but recording needs no session check and no jar;
//   - nothing is sent while the session is not a READY session;
//   - a run is sent only after the JobManager said it does not know the
//     id, never on a REST error;
//   - the jar of a submitted job is deleted before anything else is held;
//   - a stateless upgrade submits only once the old job is globally
//     terminal or unknown to the JobManager, so two generations never run
//     at once; any other change is held;
//   - a restore from the latest checkpoint cancels only a job whose
//     checkpoints survive the cancel, reads the checkpoint only once the
//     job has ended (no newer one can complete after that), and holds
//     rather than submit without it.
func Decide(f Facts) Step {
	switch {
	case f.Deleting:
		return StepFinalize
	case f.Stopping:
		// How a stop-with-savepoint in flight (or failed) goes on is the
		// gate's stop table.
		return stopSteps[gate.DecideSessionJobStop(f.Stop).Step]
	case f.TakingDown:
		// How a take-down goes on is the gate's take-down table.
		_, step := gate.DecideSessionJobTakeDown(f.TakeDown)
		return takeDownSteps[step]
	case f.Submitting:
		switch {
		case f.JarRecorded && f.SubmittingJob == JobFound:
			return StepRecord
		case f.Session != SessionReady:
			return StepWaitSession
		case !f.JarRecorded:
			return StepUpload
		case f.SubmittingJob == JobNotFound:
			return StepRun
		default:
			return StepWaitREST
		}
	case f.Deployed:
		switch {
		case f.JarRecorded:
			return StepDeleteJar
		case f.SpecChange == "":
			return StepObserve
		}
		// How the job's state is kept is the gate's table.
		_, keep := gate.KeepSessionJobState(f.change())
		return keepSteps[keep]
	case f.Suspended && !f.Resume:
		return StepSuspended
	case f.Session != SessionReady || f.SessionRestarting:
		return StepWaitSession
	case f.Parked:
		return StepResume
	case f.Suspended:
		return StepResume
	case f.SuspendOnly:
		return StepSuspended
	default:
		return StepWriteAhead
	}
}
