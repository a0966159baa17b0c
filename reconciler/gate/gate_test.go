package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const (
	oldJob  = "00000000000000000000000000000001"
	newJob  = "00000000000000000000000000000002"
	trigger = "0000000000000000000000000000000f"
)

// defaulted is spec with the API's defaults, as the reconciler gives it to
// the gate.
func defaulted(spec *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
	tmp := &v1beta1.FlinkDeployment{Spec: *spec.DeepCopy()}
	tmp.Default()
	return &tmp.Spec
}

// lastReconciledSpec is the spec a status records as deployed.
func lastReconciledSpec(st *v1beta1.FlinkDeploymentStatus) (*v1beta1.FlinkDeploymentSpec, error) {
	spec, _, err := v1beta1.DecodeReconciledSpec(st.ReconciliationStatus.LastReconciledSpec)
	return spec, err
}

func appSpec(mode v1beta1.UpgradeMode) *v1beta1.FlinkDeploymentSpec {
	spec := &v1beta1.FlinkDeploymentSpec{
		Image: "flink:1.20", FlinkVersion: v1beta1.FlinkVersion("v1_20"), ServiceAccount: "flink",
		Job: &v1beta1.JobSpec{JarURI: "local:///job.jar", Parallelism: 2, UpgradeMode: mode},
	}
	return defaulted(spec)
}

// deployedStatus is the status of a cluster running spec.
func deployedStatus(t *testing.T, spec *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentStatus {
	enc, err := v1beta1.EncodeReconciledSpec(*spec, false)
	require.NoError(t, err)
	return &v1beta1.FlinkDeploymentStatus{
		JobStatus:            v1beta1.JobStatus{JobID: oldJob, State: "RUNNING", StartTime: "1"},
		ReconciliationStatus: v1beta1.ReconciliationStatus{LastReconciledSpec: enc, State: v1beta1.ReconciliationDeployed},
		DeployedWith:         &v1beta1.DeployedWith{JobID: oldJob},
	}
}

func runningObs(state flinkrest.JobStatus) Observation {
	return Observation{JobManager: v1beta1.JMReady, Job: &flinkrest.JobOverview{ID: oldJob, State: state}}
}

// upgradeInput is a running job of deployed whose spec changed to desired.
func upgradeInput(t *testing.T, deployed, desired *v1beta1.FlinkDeploymentSpec, obs Observation) Input {
	return Input{
		Spec: desired, Generation: 2, Status: deployedStatus(t, deployed), Deployed: deployed,
		Obs: obs, TriggerIDs: true, Now: time.UnixMilli(1_000_000),
		NewJobID: newJob, NewTriggerID: trigger,
	}
}

func withImage(spec *v1beta1.FlinkDeploymentSpec, image string) *v1beta1.FlinkDeploymentSpec {
	out := spec.DeepCopy()
	out.Image = image
	return out
}

func TestGateSavepointUpgradeRecordsTriggerBeforeStopping(t *testing.T) {
	old := appSpec(v1beta1.UpgradeModeSavepoint)
	d := Decide(upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning)))
	assert.Equal(t, ActionStopWithSavepoint, d.Action())
	assert.Equal(t, trigger, d.Savepoint.TriggerID)
	require.NotNil(t, d.Status.Upgrade)
	assert.Equal(t, v1beta1.PhaseSavepointing, d.Status.Upgrade.Phase)
	assert.Equal(t, trigger, d.Status.Upgrade.TriggerID, "the trigger is in the status written before the call")
	assert.Equal(t, trigger, d.Status.JobStatus.SavepointInfo.TriggerID)
	assert.Equal(t, v1beta1.ReconciliationUpgrading, d.Status.ReconciliationStatus.State)
}

func savepointingInput(t *testing.T, sp SavepointObservation) Input {
	old := appSpec(v1beta1.UpgradeModeSavepoint)
	in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning))
	in.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Mode: v1beta1.UpgradeModeSavepoint,
		TargetGeneration: 2, TriggerID: trigger, TriggerTimestamp: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 1000)}
	in.Savepoint = sp
	return in
}

func TestGateGates(t *testing.T) {
	tests := []struct {
		name  string
		in    func(t *testing.T) Input
		check func(t *testing.T, d Decision)
	}{{
		name: "savepoint completed: recorded, then the old cluster is taken down",
		in: func(t *testing.T) Input {
			return savepointingInput(t, SavepointObservation{State: SavepointSucceeded, Location: "s3://sp/1"})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTakeDown, d.Action())
			assert.False(t, d.TakeDown.DeleteHA)
			assert.Equal(t, "s3://sp/1", d.Status.JobStatus.UpgradeSavepointPath)
			assert.Equal(t, "s3://sp/1", d.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
			assert.Equal(t, "s3://sp/1", d.Status.Upgrade.RestorePath)
			assert.Equal(t, newJob, d.Status.Upgrade.JobID)
		},
	}, {
		name: "savepoint completed and cluster gone: deploy from it",
		in: func(t *testing.T) Input {
			in := savepointingInput(t, SavepointObservation{State: SavepointSucceeded, Location: "s3://sp/1"})
			in.ClusterGone = true
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Equal(t, "flink:1.20.1", d.Apply.Target.Image)
			assert.Equal(t, "s3://sp/1", d.Apply.Context.RestorePath)
			assert.True(t, d.Apply.Context.StartEmpty)
			assert.Equal(t, newJob, d.Apply.Context.JobID)
			require.NotNil(t, d.After)
			assert.Nil(t, d.After.Upgrade)
			assert.Equal(t, int64(2), d.After.ObservedGeneration)
			assert.Equal(t, "s3://sp/1", d.After.DeployedWith.RestorePath)
		},
	}, {
		name: "savepoint failed: the running spec is kept, retry later",
		in: func(t *testing.T) Input {
			return savepointingInput(t, SavepointObservation{State: SavepointFailed, Failure: "declined"})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Equal(t, "flink:1.20", d.Apply.Target.Image, "drift correction of the running spec only")
			assert.Contains(t, d.Hold, "attempt 1 of 3")
			assert.Contains(t, d.Hold, "declined")
			assert.Equal(t, int32(1), d.Status.Upgrade.Failures)
			assert.Empty(t, d.Status.Upgrade.TriggerID)
			assert.Equal(t, 10*time.Second, d.RequeueAfter)
		},
	}, {
		name: "savepoint pending too long: timed out",
		in: func(t *testing.T) Input {
			in := savepointingInput(t, SavepointObservation{State: SavepointInProgress})
			in.Status.Upgrade.TriggerTimestamp = v1beta1.UnixMilliTimestamp(in.Now.Add(-11 * time.Minute).UnixMilli())
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Contains(t, d.Hold, "--savepoint-timeout (10m0s)")
			assert.Equal(t, "flink:1.20", d.Apply.Target.Image)
		},
	}, {
		name: "savepoint unknown to Flink while the job runs: sent again with the same id",
		in: func(t *testing.T) Input {
			return savepointingInput(t, SavepointObservation{State: SavepointUnknown})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionStopWithSavepoint, d.Action())
			assert.Equal(t, trigger, d.Savepoint.TriggerID)
		},
	}, {
		name: "last-state without HA metadata: held",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeLastState)
			in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning))
			in.HA = HAObservation{Enabled: true}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Contains(t, d.Hold, "HA metadata is not available")
			assert.Equal(t, "flink:1.20", d.Apply.Target.Image)
			assert.Nil(t, d.Status.Upgrade)
		},
	}, {
		name: "last-state with HA: same job id, HA placeholder path, HA kept",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeLastState)
			in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning))
			in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTakeDown, d.Action())
			assert.False(t, d.TakeDown.DeleteHA)
			assert.Equal(t, oldJob, d.Status.Upgrade.JobID)
			assert.Equal(t, LastStateRestorePath, d.Status.Upgrade.RestorePath)
		},
	}, {
		name: "last-state across Flink versions: a savepoint instead",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeLastState)
			desired := old.DeepCopy()
			desired.FlinkVersion = "v2_0"
			in := upgradeInput(t, old, desired, runningObs(flinkrest.JobRunning))
			in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionStopWithSavepoint, d.Action())
			assert.Equal(t, v1beta1.UpgradeModeSavepoint, d.Status.Upgrade.Mode)
		},
	}, {
		name: "savepoint mode, job restarting, HA checkpoint: last-state fallback",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeSavepoint)
			in := upgradeInput(t, old, withImage(old, "x"), runningObs(flinkrest.JobRestarting))
			in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 3}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTakeDown, d.Action())
			assert.Equal(t, LastStateRestorePath, d.Status.Upgrade.RestorePath)
		},
	}, {
		name: "savepoint mode, job restarting, no HA: wait",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeSavepoint)
			return upgradeInput(t, old, withImage(old, "x"), runningObs(flinkrest.JobRestarting))
		},
		check: func(t *testing.T, d Decision) {
			assert.Contains(t, d.Hold, "the job is RESTARTING")
			assert.Nil(t, d.Status.Upgrade)
		},
	}, {
		name: "JobManager gone after the job ran, no HA: manual restore, never stateless",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeSavepoint)
			return upgradeInput(t, old, withImage(old, "x"), Observation{JobManager: v1beta1.JMMissing})
		},
		check: func(t *testing.T, d Decision) {
			assert.Contains(t, d.Hold, "Manual restore required")
			assert.Nil(t, d.Status.Upgrade)
		},
	}, {
		name: "terminal job: restore from its latest checkpoint",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeSavepoint)
			in := upgradeInput(t, old, withImage(old, "x"), runningObs(flinkrest.JobFailed))
			in.LatestCheckpoint = "s3://cp/chk-9"
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTakeDown, d.Action())
			assert.Equal(t, "s3://cp/chk-9", d.Status.Upgrade.RestorePath)
		},
	}, {
		name: "stateless: take down with HA data, new job id",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeStateless)
			return upgradeInput(t, old, withImage(old, "x"), runningObs(flinkrest.JobRunning))
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTakeDown, d.Action())
			assert.True(t, d.TakeDown.DeleteHA)
			assert.Equal(t, newJob, d.Status.Upgrade.JobID)
			assert.Empty(t, d.Status.Upgrade.RestorePath)
		},
	}, {
		name: "ignored change: recorded, nothing restarts",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeSavepoint)
			desired := old.DeepCopy()
			desired.Job.UpgradeMode = v1beta1.UpgradeModeLastState
			return upgradeInput(t, old, desired, runningObs(flinkrest.JobRunning))
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Nil(t, d.Status.Upgrade)
			assert.Equal(t, oldJob, d.Apply.Context.JobID, "rendered exactly as deployed")
			require.NotNil(t, d.After)
			assert.Equal(t, int64(2), d.After.ObservedGeneration)
		},
	}, {
		name: "first deploy from initialSavepointPath",
		in: func(t *testing.T) Input {
			spec := appSpec(v1beta1.UpgradeModeSavepoint)
			spec.Job.InitialSavepointPath = "s3://sp/initial"
			return Input{Spec: spec, Generation: 1, Status: &v1beta1.FlinkDeploymentStatus{}, Now: time.UnixMilli(1), NewJobID: newJob}
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Equal(t, "s3://sp/initial", d.Apply.Context.RestorePath)
			assert.Equal(t, newJob, d.Apply.Context.JobID)
			assert.Equal(t, v1beta1.PhaseDeploying, d.Status.Upgrade.Phase, "recorded before the apply")
			assert.Nil(t, d.After.Upgrade)
		},
	}, {
		name: "savepointRedeployNonce: stateless take-down, deploy from initialSavepointPath",
		in: func(t *testing.T) Input {
			old := appSpec(v1beta1.UpgradeModeSavepoint)
			desired := old.DeepCopy()
			desired.Job.InitialSavepointPath = "s3://sp/other"
			desired.Job.SavepointRedeployNonce = ptr.To[int64](1)
			return upgradeInput(t, old, desired, runningObs(flinkrest.JobRunning))
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTakeDown, d.Action())
			assert.True(t, d.TakeDown.DeleteHA)
			assert.Equal(t, "s3://sp/other", d.Status.Upgrade.RestorePath)
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in(t)
			before := in.Status.DeepCopy()
			d := Decide(in)
			tc.check(t, d)
			assert.Equal(t, before, in.Status, "Decide must not change its input")
		})
	}
}

func TestClassify(t *testing.T) {
	base := appSpec(v1beta1.UpgradeModeSavepoint)
	standaloneReactive := base.DeepCopy()
	standaloneReactive.Mode = ptr.To(v1beta1.ModeStandalone)
	standaloneReactive.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"scheduler-mode": "reactive"})
	tests := []struct {
		name   string
		from   *v1beta1.FlinkDeploymentSpec
		change func(*v1beta1.FlinkDeploymentSpec)
		want   DiffType
	}{
		{"nothing", base, func(*v1beta1.FlinkDeploymentSpec) {}, DiffNone},
		{"image", base, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "x" }, DiffUpgrade},
		{"upgradeMode", base, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeStateless }, DiffIgnore},
		{"operator key", base, func(s *v1beta1.FlinkDeploymentSpec) {
			s.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"kubernetes.operator.x": "1"})
		}, DiffIgnore},
		{"flink key", base, func(s *v1beta1.FlinkDeploymentSpec) {
			s.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"state.backend.type": "rocksdb"})
		}, DiffUpgrade},
		{"restartNonce set", base, func(s *v1beta1.FlinkDeploymentSpec) { s.RestartNonce = ptr.To[int64](2) }, DiffUpgrade},
		{"native parallelism", base, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 }, DiffUpgrade},
		{"reactive parallelism", standaloneReactive, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 }, DiffScale},
		{"suspend", base, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended }, DiffUpgrade},
		{"savepointRedeployNonce", base, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointRedeployNonce = ptr.To[int64](1) }, DiffSavepointRedeploy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			to := tc.from.DeepCopy()
			tc.change(to)
			assert.Equal(t, tc.want, Classify(tc.from, to).Type)
		})
	}
	// Removing a nonce is not a restart.
	withNonce := base.DeepCopy()
	withNonce.RestartNonce = ptr.To[int64](1)
	assert.Equal(t, DiffNone, Classify(withNonce, base).Type)
}

func TestGateReportsAHeldUpgradeOnce(t *testing.T) {
	old := appSpec(v1beta1.UpgradeModeLastState)
	in := upgradeInput(t, old, withImage(old, "x"), runningObs(flinkrest.JobRunning))
	in.HA = HAObservation{Enabled: true}
	first := Decide(in)
	require.NotEmpty(t, first.Hold)
	reasons := func(d Decision) (out []string) {
		for _, e := range d.Events {
			out = append(out, e.Reason)
		}
		return out
	}
	assert.Equal(t, []string{ReasonSpecChanged, ReasonUpgradeHeld}, reasons(first))

	// The next pass finds the same hold in status.error: no new events.
	in.Status.Error = first.Hold
	assert.Empty(t, reasons(Decide(in)))
}

// withFormat is spec with kubernetes.operator.savepoint.format.type set to
// format (and the directories a savepoint upgrade needs).
func withFormat(spec *v1beta1.FlinkDeploymentSpec, format string) *v1beta1.FlinkDeploymentSpec {
	out := spec.DeepCopy()
	out.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
		"state.savepoints.dir": "s3://b/sp", "state.checkpoints.dir": "s3://b/cp",
		"kubernetes.operator.savepoint.format.type": format,
	})
	return out
}

func TestGateUpgradeSavepointFormat(t *testing.T) {
	savepointMode := appSpec(v1beta1.UpgradeModeSavepoint)
	tests := []struct {
		name     string
		deployed *v1beta1.FlinkDeploymentSpec
		desired  func(deployed *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec
		// triggerIDs is false for a running Flink < 1.15.
		noTriggerIDs       bool
		wantSent, wantInfo string
	}{{
		name: "unset: CANONICAL", deployed: savepointMode,
		desired:  func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec { return withImage(d, "flink:1.20.1") },
		wantSent: "CANONICAL", wantInfo: "CANONICAL",
	}, {
		name: "NATIVE configured: sent and recorded", deployed: withFormat(savepointMode, "NATIVE"),
		desired:  func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec { return withImage(d, "flink:1.20.1") },
		wantSent: "NATIVE", wantInfo: "NATIVE",
	}, {
		name: "read ignoring case, as Flink reads enum options", deployed: withFormat(savepointMode, "native"),
		desired:  func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec { return withImage(d, "flink:1.20.1") },
		wantSent: "NATIVE", wantInfo: "NATIVE",
	}, {
		name: "suspend of a NATIVE job", deployed: withFormat(savepointMode, "NATIVE"),
		desired: func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
			out := d.DeepCopy()
			out.Job.State = v1beta1.JobStateSuspended
			return out
		},
		wantSent: "NATIVE", wantInfo: "NATIVE",
	}, {
		name: "last-state across Flink versions: the savepoint in the running job's format", deployed: withFormat(appSpec(v1beta1.UpgradeModeLastState), "NATIVE"),
		desired: func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
			out := d.DeepCopy()
			out.FlinkVersion = "v2_0"
			return out
		},
		wantSent: "NATIVE", wantInfo: "NATIVE",
	}, {
		name: "upgrade turning NATIVE on: this savepoint is still CANONICAL (the deployed spec's)", deployed: withFormat(savepointMode, "CANONICAL"),
		desired: func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
			return withFormat(withImage(d, "flink:1.20.1"), "NATIVE")
		},
		wantSent: "CANONICAL", wantInfo: "CANONICAL",
	}, {
		name: "upgrade turning NATIVE off: this savepoint is still NATIVE (the deployed spec's)", deployed: withFormat(savepointMode, "NATIVE"),
		desired: func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
			return withFormat(withImage(d, "flink:1.20.1"), "CANONICAL")
		},
		wantSent: "NATIVE", wantInfo: "NATIVE",
	}, {
		name: "Flink 1.14 upgraded to 1.15 with NATIVE: the 1.14 job is asked for no format", deployed: func() *v1beta1.FlinkDeploymentSpec {
			out := savepointMode.DeepCopy()
			out.FlinkVersion = "v1_14"
			return out
		}(),
		desired: func(d *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
			out := withFormat(d, "NATIVE")
			out.FlinkVersion = "v1_15"
			return out
		},
		noTriggerIDs: true, wantSent: "", wantInfo: "CANONICAL",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := upgradeInput(t, tc.deployed, tc.desired(tc.deployed), runningObs(flinkrest.JobRunning))
			in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
			in.TriggerIDs = !tc.noTriggerIDs
			d := Decide(in)
			require.Equal(t, ActionStopWithSavepoint, d.Action(), d.Hold)
			assert.Equal(t, flinkrest.SavepointFormat(tc.wantSent), d.Savepoint.FormatType, "sent to Flink")
			assert.Equal(t, tc.wantInfo, d.Status.JobStatus.SavepointInfo.FormatType, "recorded for the attempt in flight")
			assert.Equal(t, "UPGRADE", d.Status.JobStatus.SavepointInfo.TriggerType)
		})
	}

	t.Run("completed: lastSavepoint and history carry the format requested", func(t *testing.T) {
		old := withFormat(savepointMode, "NATIVE")
		in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning))
		in.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Mode: v1beta1.UpgradeModeSavepoint,
			TargetGeneration: 2, TriggerID: trigger, TriggerTimestamp: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 1000)}
		ts := in.Status.Upgrade.TriggerTimestamp.UnixMilli()
		in.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{TriggerID: trigger, TriggerTimestamp: &ts, TriggerType: "UPGRADE", FormatType: "NATIVE",
			SavepointHistory: []v1beta1.Savepoint{{Location: "s3://b/sp/older", TriggerType: "MANUAL", FormatType: "CANONICAL"}}}
		in.Savepoint = SavepointObservation{State: SavepointSucceeded, Location: "s3://b/sp/savepoint-1"}
		d := Decide(in)
		info := d.Status.JobStatus.SavepointInfo
		require.NotNil(t, info.LastSavepoint)
		assert.Equal(t, v1beta1.Savepoint{TimeStamp: in.Now.UnixMilli(), Location: "s3://b/sp/savepoint-1", TriggerType: "UPGRADE", FormatType: "NATIVE"}, *info.LastSavepoint)
		assert.Equal(t, []v1beta1.Savepoint{{Location: "s3://b/sp/older", TriggerType: "MANUAL", FormatType: "CANONICAL"}, *info.LastSavepoint}, info.SavepointHistory)
		assert.Empty(t, info.FormatType, "no attempt in flight any more")
		assert.Equal(t, "s3://b/sp/savepoint-1", d.Status.JobStatus.UpgradeSavepointPath)
	})

	t.Run("unknown to Flink: sent again with the recorded format", func(t *testing.T) {
		old := withFormat(savepointMode, "CANONICAL")
		in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning))
		in.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Mode: v1beta1.UpgradeModeSavepoint,
			TargetGeneration: 2, TriggerID: trigger, TriggerTimestamp: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 1000)}
		ts := in.Status.Upgrade.TriggerTimestamp.UnixMilli()
		// Recorded by the attempt as it was first sent (write-ahead): the
		// same trigger id must ask for the same savepoint.
		in.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{TriggerID: trigger, TriggerTimestamp: &ts, TriggerType: "UPGRADE", FormatType: "NATIVE"}
		in.Savepoint = SavepointObservation{State: SavepointUnknown}
		d := Decide(in)
		assert.Equal(t, ActionStopWithSavepoint, d.Action())
		assert.Equal(t, trigger, d.Savepoint.TriggerID)
		assert.Equal(t, flinkrest.SavepointFormatNative, d.Savepoint.FormatType)
	})

	t.Run("a change of the format key alone restarts nothing and applies from the next savepoint", func(t *testing.T) {
		old := withFormat(savepointMode, "CANONICAL")
		in := upgradeInput(t, old, withFormat(old, "NATIVE"), runningObs(flinkrest.JobRunning))
		d := Decide(in)
		assert.Equal(t, ActionApply, d.Action())
		assert.Nil(t, d.Status.Upgrade)
		require.NotNil(t, d.After)
		deployed, err := lastReconciledSpec(d.After)
		require.NoError(t, err)
		assert.Equal(t, "NATIVE", configOf(deployed).Raw()["kubernetes.operator.savepoint.format.type"])
	})
}

// A trigger Flink does not know is sent again, but only until the
// operator's --savepoint-timeout has passed since it was first recorded.
func TestGateResendsAnUnknownTriggerOnlyWithinTheTimeout(t *testing.T) {
	in := savepointingInput(t, SavepointObservation{State: SavepointUnknown})
	d := Decide(in)
	assert.Equal(t, ActionStopWithSavepoint, d.Action(), "within the timeout the same trigger is sent again")

	in = savepointingInput(t, SavepointObservation{State: SavepointUnknown})
	in.Status.Upgrade.TriggerTimestamp = v1beta1.UnixMilliTimestamp(in.Now.Add(-11 * time.Minute).UnixMilli())
	d = Decide(in)
	assert.NotEqual(t, ActionStopWithSavepoint, d.Action())
	assert.Equal(t, int32(1), d.Status.Upgrade.Failures)
	assert.Contains(t, d.Hold, "--savepoint-timeout")
}

// The gate acts on the diff the reconciler classified, not on the field
// table alone.
func TestGateActsOnTheClassifiedDiff(t *testing.T) {
	deployed := appSpec(v1beta1.UpgradeModeSavepoint)
	desired := deployed.DeepCopy()
	desired.Job.AllowNonRestoredState = ptr.To(true)

	in := upgradeInput(t, deployed, desired, runningObs(flinkrest.JobRunning))
	assert.Equal(t, ActionApply, Decide(in).Action(), "the field table alone applies it in place")

	in.Diff = &SpecDiff{Type: DiffUpgrade, Fields: []string{"spec.job.allowNonRestoredState: UPGRADE (changes the JobManager Deployment f)"}}
	d := Decide(in)
	assert.Equal(t, ActionStopWithSavepoint, d.Action())
	require.NotNil(t, d.Status.Upgrade)
	assert.Equal(t, v1beta1.PhaseSavepointing, d.Status.Upgrade.Phase)
	require.NotEmpty(t, d.Events)
	assert.Contains(t, d.Events[0].Message, "spec.job.allowNonRestoredState: UPGRADE (changes the JobManager Deployment f)")
}
