package sessionjob

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

var decideNow = time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)

// stop is the stop table's facts of a trigger in flight for a minute.
func stop(edit func(*gate.SessionJobStopFacts)) gate.SessionJobStopFacts {
	f := gate.SessionJobStopFacts{InFlight: true, SessionReady: true, TriggeredAt: decideNow.Add(-time.Minute), Now: decideNow}
	edit(&f)
	return f
}

// takeDown is the take-down table's facts on a READY session.
func takeDown(fromCheckpoint bool, job gate.SessionJobRun, cp CheckpointState) gate.SessionJobTakeDownFacts {
	return gate.SessionJobTakeDownFacts{FromCheckpoint: fromCheckpoint, SessionReady: true, Job: job, Checkpoint: cp}
}

// failedStop is the stop table's facts of one failed attempt whose
// back-off is over.
func failedStop(edit func(*gate.SessionJobStopFacts)) gate.SessionJobStopFacts {
	f := gate.SessionJobStopFacts{SessionReady: true, Failures: 1, RetryAfter: decideNow.Add(-time.Second), Now: decideNow}
	edit(&f)
	return f
}

func TestDecideOneStepPerPass(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Facts
		want Step
	}{
		{"new, session missing", Facts{Session: SessionMissing}, StepWaitSession},
		{"new, session is an application", Facts{Session: SessionApplication}, StepWaitSession},
		{"new, session not ready", Facts{Session: SessionNotReady}, StepWaitSession},
		{"new, session ready: id first", Facts{}, StepWriteAhead},
		{"id recorded: upload", Facts{Submitting: true}, StepUpload},
		{"id recorded, session gone: nothing sent", Facts{Submitting: true, Session: SessionNotReady}, StepWaitSession},
		{"jar recorded, job unknown to Flink: run", Facts{Submitting: true, JarRecorded: true, SubmittingJob: JobNotFound}, StepRun},
		{"jar recorded, REST silent: never run blind", Facts{Submitting: true, JarRecorded: true, SubmittingJob: JobUnknown}, StepWaitREST},
		{"jar recorded, job exists: record, never run again", Facts{Submitting: true, JarRecorded: true, SubmittingJob: JobFound}, StepRecord},
		{"job exists though session not ready: record", Facts{Submitting: true, JarRecorded: true, SubmittingJob: JobFound, Session: SessionNotReady}, StepRecord},
		{"submitted, jar left: delete it", Facts{Deployed: true, JarRecorded: true}, StepDeleteJar},
		{"submitted, jar left, spec changed: jar first", Facts{Deployed: true, JarRecorded: true, SpecChange: "x"}, StepDeleteJar},
		{"submitted: observe", Facts{Deployed: true}, StepObserve},
		{"submitted, session gone: observe says so", Facts{Deployed: true, Session: SessionMissing}, StepObserve},
		{"submitted, spec changed: hold", Facts{Deployed: true, SpecChange: "x"}, StepHoldChange},
		{"deleting wins", Facts{Deleting: true, Submitting: true}, StepFinalize},
		{"stateless change: record first", Facts{Deployed: true, SpecChange: "x", Plan: PlanStateless}, StepStartUpgrade},
		{"any upgrade, a savepoint requested: settle it first", Facts{Deployed: true, SpecChange: "x", Plan: PlanStateless, SnapshotRequested: true}, StepSettleSnapshot},
		{"no change, a savepoint requested: follow it", Facts{Deployed: true, SnapshotRequested: true}, StepObserve},
		{"held change, a savepoint requested: hold, the savepoint goes on", Facts{Deployed: true, SpecChange: "x", SnapshotRequested: true}, StepHoldChange},
		{"savepoint redeploy: record first, then cancel", Facts{Deployed: true, SpecChange: "x", Plan: PlanRedeploy}, StepStartUpgrade},
		{"stateless change, session not ready: wait", Facts{Deployed: true, SpecChange: "x", Plan: PlanStateless, Session: SessionNotReady}, StepWaitSession},
		{"taking down, job running: cancel", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(false, gate.SessionJobRunRunning, 0)}, StepCancel},
		{"taking down, job ended: submit", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(false, gate.SessionJobRunEnded, 0)}, StepDeployUpgrade},
		{"taking down, job unknown to Flink: submit", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(false, gate.SessionJobRunMissing, 0)}, StepDeployUpgrade},
		{"taking down, REST silent: wait", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(false, gate.SessionJobRunNoAnswer, 0)}, StepWaitREST},
		{"savepoint change, job running: record the trigger first", Facts{Deployed: true, SpecChange: "x", Plan: PlanSavepoint, DeployedJob: JobFound, JobRunning: true}, StepStartSavepoint},
		{"suspend, job running: record the trigger first", Facts{Deployed: true, SpecChange: "x", Plan: PlanSuspendSavepoint, DeployedJob: JobFound, JobRunning: true}, StepStartSavepoint},
		{"stateless suspend: cancel", Facts{Deployed: true, SpecChange: "x", Plan: PlanSuspendCancel}, StepStartUpgrade},
		{"savepoint change, job not running: hold", Facts{Deployed: true, SpecChange: "x", Plan: PlanSavepoint, DeployedJob: JobFound}, StepHoldChange},
		{"savepoint change, REST silent: hold", Facts{Deployed: true, SpecChange: "x", Plan: PlanSavepoint, DeployedJob: JobUnknown}, StepHoldChange},
		// A stop-with-savepoint in flight or failed: the gate's stop
		// table decides (gate/sessionjob_stop_test.go); each of its
		// steps maps to the pass's.
		{"stop in flight, in progress: wait", Facts{Deployed: true, Stopping: true, Stop: stop(func(s *gate.SessionJobStopFacts) { s.Poll.State = gate.SavepointInProgress })}, StepWaitSavepoint},
		{"stop in flight, done", Facts{Deployed: true, Stopping: true, Stop: stop(func(s *gate.SessionJobStopFacts) {
			s.Poll = gate.SavepointObservation{State: gate.SavepointSucceeded, Location: "s3://sp"}
		})}, StepSavepointDone},
		{"stop in flight, failed", Facts{Deployed: true, Stopping: true, Stop: stop(func(s *gate.SessionJobStopFacts) { s.Poll.State = gate.SavepointFailed })}, StepSavepointFailed},
		{"stop in flight, recorded not sent, job runs: send the same trigger", Facts{Deployed: true, Stopping: true, Stop: stop(func(s *gate.SessionJobStopFacts) {
			s.Poll.State, s.Job = gate.SavepointUnknown, gate.SessionJobRunRunning
		})}, StepTriggerStop},
		{"stop in flight, trigger forgotten, job ended: plan again", Facts{Deployed: true, Stopping: true, Stop: stop(func(s *gate.SessionJobStopFacts) {
			s.Poll.State, s.Job = gate.SavepointUnknown, gate.SessionJobRunEnded
		})}, StepReplanStop},
		{"stop in flight, job and trigger forgotten: manual restore", Facts{Deployed: true, Stopping: true, Stop: stop(func(s *gate.SessionJobStopFacts) {
			s.Poll.State, s.Job = gate.SavepointUnknown, gate.SessionJobRunMissing
		})}, StepSavepointLost},
		{"stop in flight, session not ready: wait", Facts{Deployed: true, Stopping: true, Session: SessionNotReady, Stop: stop(func(s *gate.SessionJobStopFacts) { s.SessionReady = false })}, StepWaitSession},
		{"stop failed, attempts spent: hold", Facts{Deployed: true, Stopping: true, Stop: failedStop(func(s *gate.SessionJobStopFacts) { s.Failures = 3 })}, StepHoldChange},
		{"stop failed, back-off running: wait", Facts{Deployed: true, Stopping: true, Stop: failedStop(func(s *gate.SessionJobStopFacts) { s.RetryAfter = s.Now.Add(time.Second) })}, StepWaitSavepointRetry},
		{"stop failed, back-off over, job runs: retry", Facts{Deployed: true, Stopping: true, Stop: failedStop(func(s *gate.SessionJobStopFacts) { s.Job = gate.SessionJobRunRunning })}, StepRetrySavepoint},
		{"stop failed, new generation: plan again", Facts{Deployed: true, Stopping: true, Stop: failedStop(func(s *gate.SessionJobStopFacts) { s.NewGeneration, s.Failures = true, 3 })}, StepReplanStop},
		{"suspended: nothing runs", Facts{Suspended: true}, StepSuspended},
		{"suspended, resumed: submit from the savepoint", Facts{Suspended: true, Resume: true}, StepResume},
		{"suspended, resumed, session not ready: wait", Facts{Suspended: true, Resume: true, Session: SessionNotReady}, StepWaitSession},
		{"suspended from the start: submit nothing", Facts{SuspendOnly: true}, StepSuspended},
		{"new, the session restarts: submit nothing", Facts{SessionRestarting: true}, StepWaitSession},
		{"parked, the session restarts: wait", Facts{Parked: true, Resume: true, SessionRestarting: true}, StepWaitSession},
		{"parked, the session runs again: resume from the savepoint", Facts{Parked: true, Resume: true}, StepResume},
		{"parked, the session not ready: wait", Facts{Parked: true, Resume: true, Session: SessionNotReady}, StepWaitSession},
		{"submitting while the session restarts: finish, the session waits for it", Facts{Submitting: true, JarRecorded: true, SubmittingJob: JobNotFound, SessionRestarting: true}, StepRun},
		{"taking down, session gone: wait", Facts{Deployed: true, TakingDown: true, Session: SessionMissing, TakeDown: gate.SessionJobTakeDownFacts{Job: gate.SessionJobRunNoAnswer}}, StepWaitSession},

		// Last-state, and restores of ended jobs, from the latest checkpoint.
		{"last-state, running, checkpoints retained: record, then cancel", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobFound, JobRunning: true, Checkpoint: CheckpointRestorable}, StepStartCheckpointUpgrade},
		{"last-state, running, a cancel would delete the checkpoints: savepoint", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobFound, JobRunning: true, Checkpoint: CheckpointNotRetained}, StepStartSavepoint},
		{"last-state, running, no checkpoint yet: savepoint", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobFound, JobRunning: true, Checkpoint: CheckpointNone}, StepStartSavepoint},
		{"last-state, running, checkpoints REST silent: hold, no savepoint instead", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobFound, JobRunning: true, Checkpoint: CheckpointUnknown}, StepHoldChange},
		{"last-state, REST silent on the job: hold", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobUnknown}, StepHoldChange},
		{"last-state, job restarting: hold", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobFound, Checkpoint: CheckpointRestorable}, StepHoldChange},
		{"last-state, session not ready: wait", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, Session: SessionNotReady}, StepWaitSession},
		{"savepoint change, job FAILED with a checkpoint: restore it", Facts{Deployed: true, SpecChange: "x", Plan: PlanSavepoint, DeployedJob: JobFound, JobEnded: true, Checkpoint: CheckpointRestorable}, StepStartCheckpointUpgrade},
		{"last-state change, job FAILED with a checkpoint: restore it", Facts{Deployed: true, SpecChange: "x", Plan: PlanLastState, DeployedJob: JobFound, JobEnded: true, Checkpoint: CheckpointRestorable}, StepStartCheckpointUpgrade},
		{"savepoint change, job FAILED without a checkpoint: hold", Facts{Deployed: true, SpecChange: "x", Plan: PlanSavepoint, DeployedJob: JobFound, JobEnded: true, Checkpoint: CheckpointNone}, StepHoldChange},
		{"suspend, job FAILED: hold", Facts{Deployed: true, SpecChange: "x", Plan: PlanSuspendSavepoint, DeployedJob: JobFound, JobEnded: true, Checkpoint: CheckpointRestorable}, StepHoldChange},
		{"from checkpoint, job running: cancel", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(true, gate.SessionJobRunRunning, 0)}, StepCancel},
		{"from checkpoint, job ended, checkpoint read: restore it", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(true, gate.SessionJobRunEnded, CheckpointRestorable)}, StepRestoreCheckpoint},
		{"from checkpoint, job ended, checkpoints REST silent: wait, never submit empty", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(true, gate.SessionJobRunEnded, CheckpointUnknown)}, StepWaitREST},
		{"from checkpoint, job ended, nothing restorable: manual restore", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(true, gate.SessionJobRunEnded, CheckpointNone)}, StepCheckpointLost},
		{"from checkpoint, JobManager forgot the job: manual restore, never submit empty", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(true, gate.SessionJobRunMissing, 0)}, StepCheckpointLost},
		{"from checkpoint, REST silent: wait", Facts{Deployed: true, TakingDown: true, TakeDown: takeDown(true, gate.SessionJobRunNoAnswer, 0)}, StepWaitREST},
		{"from checkpoint, session gone: wait", Facts{Deployed: true, TakingDown: true, Session: SessionMissing, TakeDown: gate.SessionJobTakeDownFacts{FromCheckpoint: true, Job: gate.SessionJobRunNoAnswer}}, StepWaitSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want.String(), Decide(tc.f).String())
		})
	}
}

func TestSpecChangeNamesWhatWouldHappen(t *testing.T) {
	base := func() *v1beta1.FlinkSessionJobSpec {
		return &v1beta1.FlinkSessionJobSpec{DeploymentName: "s", Job: &v1beta1.JobSpec{JarURI: "https://x/j.jar", Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeSavepoint}}
	}
	for _, tc := range []struct {
		name   string
		change func(*v1beta1.FlinkSessionJobSpec)
		want   string // substring; "" means no change
	}{
		{"nothing", func(*v1beta1.FlinkSessionJobSpec) {}, ""},
		{"defaults spelt out", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.State = v1beta1.JobStateRunning }, ""},
		{"parallelism", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.Parallelism = 2 }, "stopping the job with a savepoint and submitting the new spec from it"},
		{"stateless", func(s *v1beta1.FlinkSessionJobSpec) {
			s.Job.UpgradeMode = v1beta1.UpgradeModeStateless
			s.Job.Parallelism = 2
		}, "submitting the new spec without state"},
		{"restartNonce", func(s *v1beta1.FlinkSessionJobSpec) { s.RestartNonce = ptr.To[int64](1) }, "spec.restartNonce: UPGRADE"},
		{"upgradeMode alone restarts nothing", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeLastState }, ""},
		{"savepointRedeployNonce without a path: held", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.SavepointRedeployNonce = ptr.To[int64](1) }, "nothing to redeploy from"},
		{"savepointRedeployNonce", func(s *v1beta1.FlinkSessionJobSpec) {
			s.Job.SavepointRedeployNonce = ptr.To[int64](1)
			s.Job.InitialSavepointPath = "s3://b/sp-7"
		}, "from spec.job.initialSavepointPath s3://b/sp-7"},
		{"suspend", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.State = v1beta1.JobStateSuspended }, "stopping the job with a savepoint"},
		{"savepoint nonce: a savepoint, no spec change", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.SavepointTriggerNonce = ptr.To[int64](3) }, ""},
		{"checkpoint nonce: held", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.CheckpointTriggerNonce = ptr.To[int64](3) }, "checkpointTriggerNonce"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := base()
			tc.change(cur)
			got, _ := specChange(base(), cur)
			if tc.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tc.want)
			}
		})
	}
	// A restartNonce removed is no restart.
	rec := base()
	rec.RestartNonce = ptr.To[int64](1)
	got, _ := specChange(rec, base())
	assert.Empty(t, got)
	stateless := base()
	stateless.Job.UpgradeMode = v1beta1.UpgradeModeStateless
	statelessParallelism := stateless.DeepCopy()
	statelessParallelism.Job.Parallelism = 3
	_, plan := specChange(stateless, statelessParallelism)
	assert.Equal(t, PlanStateless, plan, "a stateless job change is carried out")
	statelessParallelism.Job.State = v1beta1.JobStateSuspended
	_, plan = specChange(stateless, statelessParallelism)
	assert.Equal(t, PlanSuspendCancel, plan, "a stateless suspend cancels")
	lastState := base()
	lastState.Job.UpgradeMode = v1beta1.UpgradeModeLastState
	lastStateChange := lastState.DeepCopy()
	lastStateChange.Job.Parallelism = 3
	_, plan = specChange(lastState, lastStateChange)
	assert.Equal(t, PlanLastState, plan, "last-state restores from the latest checkpoint")
	lastStateChange.Job.State = v1beta1.JobStateSuspended
	_, plan = specChange(lastState, lastStateChange)
	assert.Equal(t, PlanSuspendSavepoint, plan, "a last-state suspend takes a savepoint, which the resume restores")
}
