package planner

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// plan and the FlinkSessionJob controller agree on every row of the
// session-job mapping (submission.SpecChange, the function the controller
// calls) and on the resume. Each row is one change, given to both sides:
// the controller's side classifies it with submission.SpecChange and asks
// sessionjob.Decide for the step of a pass that finds the job RUNNING on a
// READY session; plan's side plans it with PlanSessionJob. A new Plan
// value, or a row whose step and plan part ways, fails here.

func sessionJobSpec(mode v1beta1.UpgradeMode, change func(*v1beta1.JobSpec)) *v1beta1.FlinkSessionJob {
	sj := &v1beta1.FlinkSessionJob{Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{
		JarURI: "https://repo.example.com/job-1.0.jar", Parallelism: 2, UpgradeMode: mode,
	}}}
	sj.Namespace, sj.Name = "default", "job"
	if change != nil {
		change(sj.Spec.Job)
	}
	return sj
}

func TestSessionJobPlanAgreesWithTheController(t *testing.T) {
	jar := func(j *v1beta1.JobSpec) { j.JarURI = "https://repo.example.com/job-1.1.jar" }
	suspend := func(j *v1beta1.JobSpec) { j.State = v1beta1.JobStateSuspended }
	rows := []struct {
		name       string
		base, head *v1beta1.FlinkSessionJob
	}{
		{"no change", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil)},
		{"upgradeMode alone", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeLastState, nil)},
		{"savepoint nonce", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, func(j *v1beta1.JobSpec) { j.SavepointTriggerNonce = ptr.To[int64](1) })},
		{"stateless", sessionJobSpec(v1beta1.UpgradeModeStateless, nil), sessionJobSpec(v1beta1.UpgradeModeStateless, jar)},
		{"savepoint", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, jar)},
		{"last-state", sessionJobSpec(v1beta1.UpgradeModeLastState, nil), sessionJobSpec(v1beta1.UpgradeModeLastState, jar)},
		{"suspend with a savepoint", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, suspend)},
		{"suspend last-state", sessionJobSpec(v1beta1.UpgradeModeLastState, nil), sessionJobSpec(v1beta1.UpgradeModeLastState, suspend)},
		{"suspend stateless", sessionJobSpec(v1beta1.UpgradeModeStateless, nil), sessionJobSpec(v1beta1.UpgradeModeStateless, suspend)},
		{"savepoint redeploy", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, func(j *v1beta1.JobSpec) {
			j.SavepointRedeployNonce = ptr.To[int64](1)
			j.InitialSavepointPath = "s3://b/sp-7"
		})},
		{"savepoint redeploy without a path", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, func(j *v1beta1.JobSpec) { j.SavepointRedeployNonce = ptr.To[int64](1) })},
		{"checkpoint nonce", sessionJobSpec(v1beta1.UpgradeModeSavepoint, nil), sessionJobSpec(v1beta1.UpgradeModeSavepoint, func(j *v1beta1.JobSpec) { j.CheckpointTriggerNonce = ptr.To[int64](1) })},
	}
	covered := map[submission.Plan]bool{}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			change, plan := submission.SpecChange(&row.base.Spec, &row.head.Spec)
			f := sessionjob.Facts{Deployed: true, Session: sessionjob.SessionReady, SpecChange: change, Plan: plan,
				DeployedJob: sessionjob.JobFound, JobRunning: true, Checkpoint: sessionjob.CheckpointRestorable}
			step := sessionjob.Decide(f)
			r, err := PlanSessionJob(row.base, row.head)
			require.NoError(t, err)
			if change != "" {
				covered[plan] = true
			}
			what := fmt.Sprintf("controller: %s (plan %s, %q); plan: %s", step, plan, change, r.Summary)
			switch step {
			case sessionjob.StepObserve:
				assert.Contains(t, []Change{ChangeNone, ChangeIgnored}, r.Change, what)
				assert.Equal(t, RestartNone, r.Restart, what)
			case sessionjob.StepHoldChange:
				assert.Equal(t, ChangeHeld, r.Change, what)
				assert.Equal(t, change, r.Reason, what)
				assert.Equal(t, RestartHeld, r.Restart, what)
			case sessionjob.StepStartUpgrade:
				// Cancel, then submit without state, or from
				// initialSavepointPath; or cancel for a suspend.
				assert.Equal(t, ChangeUpgrade, r.Change, what)
				switch plan {
				case submission.PlanRedeploy:
					assert.Equal(t, "savepoint-redeploy", r.Action, what)
					assert.Equal(t, StateRestore, r.State, what)
					assert.Equal(t, row.head.Spec.Job.InitialSavepointPath, r.RestorePath, what)
					assert.Equal(t, RestartWithState, r.Restart, what)
				case submission.PlanSuspendCancel:
					assert.Equal(t, "suspend", r.Action, what)
					assert.Equal(t, StateStateless, r.State, what)
					assert.Equal(t, RestartWithoutState, r.Restart, what)
				default:
					assert.Equal(t, "upgrade", r.Action, what)
					assert.Equal(t, StateStateless, r.State, what)
					assert.Equal(t, RestartWithoutState, r.Restart, what)
				}
			case sessionjob.StepStartSavepoint:
				assert.Equal(t, ChangeUpgrade, r.Change, what)
				assert.Equal(t, StateSavepoint, r.State, what)
				assert.Equal(t, RestartWithState, r.Restart, what)
				if plan == submission.PlanSuspendSavepoint {
					assert.Equal(t, "suspend", r.Action, what)
				} else {
					assert.Equal(t, "upgrade", r.Action, what)
				}
			case sessionjob.StepStartCheckpointUpgrade:
				assert.Equal(t, ChangeUpgrade, r.Change, what)
				assert.Equal(t, StateLatestCheckpoint, r.State, what)
				assert.Equal(t, RestartWithState, r.Restart, what)
				// Whose checkpoints a cancel would delete: a savepoint
				// instead, which plan's summary says too.
				f.Checkpoint = sessionjob.CheckpointNotRetained
				assert.Equal(t, sessionjob.StepStartSavepoint, sessionjob.Decide(f), what)
				assert.Contains(t, r.Summary, "cancel and restore the latest checkpoint if its checkpoints are retained on cancellation, else stop with a savepoint")
			default:
				t.Errorf("the controller's step %s has no plan to compare with: %s", step, what)
			}
		})
	}
	for _, p := range submission.Plans {
		if p != submission.PlanHold {
			assert.True(t, covered[p], "no row covers plan %s", p)
		}
	}
	assert.True(t, covered[submission.PlanHold], "no row covers a held change")

	// A suspended job: the controller resumes it once the spec asks for a
	// running job (from where submission.ResumeRestorePath says, or held
	// when a stateful job's savepoint is not recorded), and otherwise
	// records the edit.
	for _, tc := range []struct {
		mode      v1beta1.UpgradeMode
		started   string
		savepoint string
	}{
		{v1beta1.UpgradeModeSavepoint, "1700000000000", "s3://b/suspend"},
		{v1beta1.UpgradeModeSavepoint, "1700000000000", ""},
		{v1beta1.UpgradeModeSavepoint, "", ""},
		{v1beta1.UpgradeModeStateless, "1700000000000", "s3://b/suspend"},
	} {
		what := fmt.Sprintf("%+v", tc)
		base := sessionJobSpec(tc.mode, suspend)
		base.Status.ReconciliationStatus.LastReconciledSpec = `{"deploymentName":"session","job":{"jarURI":"https://repo.example.com/job-1.0.jar","parallelism":2,"upgradeMode":"` + string(tc.mode) + `","state":"suspended"}}`
		base.Status.JobStatus.UpgradeSavepointPath = tc.savepoint
		base.Status.JobStatus.StartTime = tc.started
		resume := sessionJobSpec(tc.mode, jar)
		f := sessionjob.Facts{Session: sessionjob.SessionReady, Suspended: true, Resume: true}
		require.Equal(t, sessionjob.StepResume, sessionjob.Decide(f))
		r, err := PlanSessionJob(base, resume)
		require.NoError(t, err)
		path, ok := submission.ResumeRestorePath(&resume.Spec, tc.started == "", tc.savepoint)
		if ok {
			assert.Equal(t, "resume", r.Action, what)
			assert.Equal(t, path, r.RestorePath, "the resume restores from what the controller's does: %s", what)
		} else {
			assert.Equal(t, ChangeHeld, r.Change, what)
			assert.Contains(t, r.Reason, "Manual restore required", what)
		}

		f.Resume = false
		require.Equal(t, sessionjob.StepSuspended, sessionjob.Decide(f))
		edited := sessionJobSpec(tc.mode, func(j *v1beta1.JobSpec) { suspend(j); jar(j) })
		r, err = PlanSessionJob(base, edited)
		require.NoError(t, err)
		assert.Equal(t, ChangeIgnored, r.Change, "recorded; nothing runs: %s", what)
		assert.Equal(t, RestartNone, r.Restart, what)
	}
}
