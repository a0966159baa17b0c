package sessionjob

import "fmt"

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
	// StatelessUpgrade: SpecChange is a change of the job that the new
	// spec asks to roll out without state (upgradeMode stateless, not a
	// suspend); the only change this release carries out.
	StatelessUpgrade bool
	// TakingDown: status.upgrade (phase TakingDown) records that the
	// deployed job is being cancelled for a stateless upgrade.
	TakingDown bool
	// DeployedJob: whether the JobManager knows the deployed job, asked
	// while TakingDown; DeployedJobEnded: it is globally terminal.
	DeployedJob      JobPresence
	DeployedJobEnded bool
}

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
	// StepObserve reads the job and reports its state; no writes.
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
)

var stepNames = [...]string{"WaitSession", "WriteAhead", "Upload", "Run", "Record", "DeleteJar", "Observe", "HoldChange", "WaitREST", "Finalize", "StartUpgrade", "Cancel", "DeployUpgrade"}

func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// Decide picks the one step of a pass. It is the session-job rows that
// the upgrade gate (package gate) is to gain; until it does, they live
// here, pure and table-tested (decide_test.go).
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
//     at once; any other change is held.
func Decide(f Facts) Step {
	switch {
	case f.Deleting:
		return StepFinalize
	case f.TakingDown:
		switch {
		case f.DeployedJob == JobNotFound || f.DeployedJob == JobFound && f.DeployedJobEnded:
			return StepDeployUpgrade
		case f.Session != SessionReady:
			return StepWaitSession
		case f.DeployedJob == JobFound:
			return StepCancel
		default:
			return StepWaitREST
		}
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
		case f.SpecChange != "" && f.StatelessUpgrade && f.Session != SessionReady:
			return StepWaitSession
		case f.SpecChange != "" && f.StatelessUpgrade:
			return StepStartUpgrade
		case f.SpecChange != "":
			return StepHoldChange
		default:
			return StepObserve
		}
	case f.Session != SessionReady:
		return StepWaitSession
	default:
		return StepWriteAhead
	}
}
