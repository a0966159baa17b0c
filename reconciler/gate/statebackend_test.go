package gate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// withConfig returns spec with the keys added to its Flink configuration.
func withConfig(spec *v1beta1.FlinkDeploymentSpec, kv ...string) *v1beta1.FlinkDeploymentSpec {
	out := spec.DeepCopy()
	config := map[string]any{}
	for k, v := range configOf(spec).Raw() {
		config[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		config[kv[i]] = kv[i+1]
	}
	out.FlinkConfiguration = v1beta1.NewConfigObject(config)
	return out
}

// nativeHashmap runs with NATIVE savepoints on the heap backend.
func nativeHashmap(mode v1beta1.UpgradeMode) *v1beta1.FlinkDeploymentSpec {
	return withConfig(withFormat(appSpec(mode), "NATIVE"), "state.backend.type", "hashmap")
}

func toRocksDB(spec *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
	return withConfig(spec, "state.backend.type", "rocksdb")
}

func TestStateBackendChangeTakesACanonicalSavepoint(t *testing.T) {
	for _, mode := range []v1beta1.UpgradeMode{v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState} {
		t.Run(string(mode), func(t *testing.T) {
			old := nativeHashmap(mode)
			in := upgradeInput(t, old, toRocksDB(old), runningObs(flinkrest.JobRunning))
			in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
			d := Decide(in)
			require.Equal(t, ActionStopWithSavepoint, d.Action(), d.Hold)
			assert.Equal(t, v1beta1.UpgradeModeSavepoint, d.Status.Upgrade.Mode, "never from a checkpoint")
			assert.Equal(t, flinkrest.SavepointFormatCanonical, d.Savepoint.FormatType, "sent to Flink")
			assert.Equal(t, "CANONICAL", d.Status.JobStatus.SavepointInfo.FormatType, "recorded")
			assert.True(t, hasEvent(d, false, ReasonSavepoint, "CANONICAL savepoint before the upgrade (the state backend changes from hashmap to rocksdb)"), "%+v", d.Events)
		})
	}
}

func TestStateBackendSpellingsAreNoChange(t *testing.T) {
	for _, tc := range []struct{ from, to []string }{
		{[]string{"state.backend", "filesystem"}, []string{"state.backend.type", "hashmap"}},
		{[]string{"state.backend", "jobmanager"}, nil},
		{[]string{"state.backend.type", "RocksDB"}, []string{"state.backend", "rocksdb"}},
	} {
		old := withConfig(withFormat(appSpec(v1beta1.UpgradeModeSavepoint), "NATIVE"), tc.from...)
		desired := withImage(old, "flink:1.20.1")
		if tc.to != nil {
			desired = withConfig(withFormat(desired, "NATIVE"), tc.to...)
		}
		d := Decide(upgradeInput(t, old, desired, runningObs(flinkrest.JobRunning)))
		require.Equal(t, ActionStopWithSavepoint, d.Action(), d.Hold)
		assert.Equal(t, flinkrest.SavepointFormatNative, d.Savepoint.FormatType, "%v → %v: the configured format", tc.from, tc.to)
	}
}

func TestStateBackendChangeNeverRestoresACheckpoint(t *testing.T) {
	old := nativeHashmap(v1beta1.UpgradeModeLastState)

	// The job is restarting: HA holds a checkpoint, which rocksdb cannot read.
	in := upgradeInput(t, old, toRocksDB(old), runningObs(flinkrest.JobRestarting))
	in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
	d := Decide(in)
	assert.Contains(t, d.Hold, "the state backend changes from hashmap to rocksdb, which needs a CANONICAL savepoint of the running job, but the job is RESTARTING")
	assert.Nil(t, d.Status.Upgrade)
	assert.Equal(t, "hashmap", configOf(d.Apply.Target).Raw()["state.backend.type"], "the running spec stays applied")

	// The job failed; its last checkpoint is no way forward either.
	in = upgradeInput(t, old, toRocksDB(old), runningObs(flinkrest.JobFailed))
	in.LatestCheckpoint = "s3://b/cp/chk-9"
	d = Decide(in)
	assert.Contains(t, d.Hold, "but the job is FAILED; its checkpoints can be restored only by hashmap")
	assert.Nil(t, d.Status.Upgrade)

	// A stop-with-savepoint Flink lost: a newer checkpoint does not stand in
	// for it; the stop is sent again.
	sp := savepointingInput(t, SavepointObservation{State: SavepointUnknown})
	sp.Deployed = old
	sp.Spec = toRocksDB(old)
	sp.LatestCheckpoint, sp.LatestCheckpointTime = "s3://b/cp/chk-10", sp.Now.UnixMilli()
	d = Decide(sp)
	assert.Equal(t, ActionStopWithSavepoint, d.Action())
	assert.Empty(t, d.Status.JobStatus.UpgradeSavepointPath)
}

// suspendedInput is a job suspended with a savepoint of the given format,
// resumed with desired.
func suspendedInput(t *testing.T, suspended *v1beta1.FlinkDeploymentSpec, format string, desired *v1beta1.FlinkDeploymentSpec) Input {
	deployed := suspended.DeepCopy()
	deployed.Job.State = v1beta1.JobStateSuspended
	desired = desired.DeepCopy()
	desired.Job.State = v1beta1.JobStateRunning
	in := upgradeInput(t, deployed, desired, Observation{JobManager: v1beta1.JMMissing})
	in.Status.JobStatus.State = "FINISHED"
	in.Status.JobStatus.UpgradeSavepointPath = "s3://b/sp/savepoint-1"
	in.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{Location: "s3://b/sp/savepoint-1", FormatType: format, TriggerType: "UPGRADE"}}
	return in
}

func TestResumeWithAnotherStateBackend(t *testing.T) {
	old := nativeHashmap(v1beta1.UpgradeModeSavepoint)

	d := Decide(suspendedInput(t, old, "NATIVE", toRocksDB(old)))
	assert.Contains(t, d.Hold, "cannot resume with state backend rocksdb: the job was suspended with a NATIVE savepoint (s3://b/sp/savepoint-1), which only hashmap can restore")
	assert.Nil(t, d.Status.Upgrade)

	d = Decide(suspendedInput(t, old, "CANONICAL", toRocksDB(old)))
	assert.Empty(t, d.Hold)
	require.NotNil(t, d.Status.Upgrade)
	assert.Equal(t, "s3://b/sp/savepoint-1", d.Status.Upgrade.RestorePath, "a CANONICAL savepoint moves to any backend")

	d = Decide(suspendedInput(t, old, "NATIVE", old))
	assert.Empty(t, d.Hold, "the same backend reads its NATIVE savepoint")
	require.NotNil(t, d.Status.Upgrade)

	lastState := nativeHashmap(v1beta1.UpgradeModeLastState)
	in := suspendedInput(t, lastState, "NATIVE", toRocksDB(lastState))
	in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
	d = Decide(in)
	assert.Contains(t, d.Hold, "cannot resume with last-state and state backend rocksdb: the job's checkpoints can be restored only by hashmap")
}
