package gate_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func sessionJobSnapshotInput() gate.SessionJobSnapshotInput {
	spec := &v1beta1.FlinkSessionJobSpec{DeploymentName: "session",
		Job: &v1beta1.JobSpec{JarURI: "https://repo.example.com/job.jar", Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint, State: v1beta1.JobStateRunning}}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	return gate.SessionJobSnapshotInput{
		Submitted: spec, Spec: spec.DeepCopy(), Generation: 2,
		SessionConfiguration: v1beta1.NewConfigObject(map[string]any{"execution.checkpointing.savepoint-dir": "s3://b/session-savepoints"}),
		FlinkVersion:         "v1_20",
		Status:               &v1beta1.FlinkSessionJobStatus{ObservedGeneration: 1},
		Job:                  &flinkrest.JobOverview{ID: "0123456789abcdef0123456789abcdef", State: flinkrest.JobRunning},
		TriggerIDs:           true, Now: now, Created: now.Add(-time.Hour), NewTriggerID: "fedcba9876543210fedcba9876543210",
	}
}

// A session job's savepointTriggerNonce is served as a FlinkDeployment's:
// the attempt is recorded with its trigger id before it is sent, into the
// session's savepoint directory; the completed savepoint is recorded and
// its nonce consumed, once.
func TestSessionJobManualSavepoint(t *testing.T) {
	in := sessionJobSnapshotInput()
	in.Spec.Job.SavepointTriggerNonce = ptr.To[int64](7)

	d := gate.SessionJobSnapshots(in)
	require.NotNil(t, d.Savepoint, "trigger")
	assert.False(t, d.Savepoint.Stop, "the job keeps running")
	assert.Equal(t, in.NewTriggerID, d.Savepoint.TriggerID)
	assert.Equal(t, "s3://b/session-savepoints", d.Savepoint.Dir, "the session's directory")
	require.NotNil(t, d.Status.SavepointTrigger)
	assert.Equal(t, v1beta1.SavepointTriggerManual, d.Status.SavepointTrigger.TriggerType)
	assert.Equal(t, in.NewTriggerID, d.Status.JobStatus.SavepointInfo.TriggerID, "recorded write-ahead")
	assert.Nil(t, d.ConsumedNonce)

	// The next pass polls the recorded trigger; Flink says done.
	in.Status = &d.Status
	in.NewTriggerID = "11111111111111111111111111111111"
	in.Savepoint = gate.SavepointObservation{State: gate.SavepointSucceeded, Location: "s3://b/session-savepoints/savepoint-1"}
	d = gate.SessionJobSnapshots(in)
	assert.Nil(t, d.Savepoint, "no second trigger")
	assert.Nil(t, d.Status.SavepointTrigger)
	require.NotNil(t, d.Status.JobStatus.SavepointInfo.LastSavepoint)
	assert.Equal(t, "s3://b/session-savepoints/savepoint-1", d.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
	assert.Equal(t, ptr.To[int64](7), d.ConsumedNonce)
	assert.Equal(t, int64(2), d.Status.ObservedGeneration, "the nonce's generation is reconciled")

	// With the nonce recorded as consumed, nothing more is taken.
	in.Status = &d.Status
	in.Submitted = in.Spec.DeepCopy()
	in.Savepoint = gate.SavepointObservation{}
	d = gate.SessionJobSnapshots(in)
	assert.Nil(t, d.Savepoint)
	assert.Nil(t, d.Status.SavepointTrigger)
}

// The job's own configuration wins over the session's, and the periodic
// interval is read from the two together.
func TestSessionJobPeriodicSavepoint(t *testing.T) {
	in := sessionJobSnapshotInput()
	in.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
		"kubernetes.operator.periodic.savepoint.interval": "30m",
		"execution.checkpointing.savepoint-dir":           "s3://b/job-savepoints",
	})
	in.Submitted = in.Spec.DeepCopy()
	d := gate.SessionJobSnapshots(in)
	require.NotNil(t, d.Savepoint, "due: the job was created an hour ago")
	assert.Equal(t, "s3://b/job-savepoints", d.Savepoint.Dir)
	assert.Equal(t, v1beta1.SavepointTriggerPeriodic, d.Status.SavepointTrigger.TriggerType)

	in.Created = in.Now.Add(-10 * time.Minute)
	d = gate.SessionJobSnapshots(in)
	assert.Nil(t, d.Savepoint, "not due yet")
	assert.Equal(t, 20*time.Minute, d.RequeueAfter)
}

// A REST API that does not answer drops nothing and sends nothing; a job
// that stopped running drops the request with a Warning, consuming its
// nonce.
func TestSessionJobSavepointWhileTheJobCannotBeSeen(t *testing.T) {
	in := sessionJobSnapshotInput()
	in.Spec.Job.SavepointTriggerNonce = ptr.To[int64](1)
	d := gate.SessionJobSnapshots(in)
	in.Status = &d.Status

	in.Job = nil
	d = gate.SessionJobSnapshots(in)
	assert.Nil(t, d.Savepoint)
	assert.NotNil(t, d.Status.SavepointTrigger, "kept while the job cannot be seen")

	in.Job = &flinkrest.JobOverview{ID: "0123456789abcdef0123456789abcdef", State: flinkrest.JobFailed}
	in.Savepoint = gate.SavepointObservation{State: gate.SavepointInProgress}
	d = gate.SessionJobSnapshots(in)
	assert.Nil(t, d.Status.SavepointTrigger, "dropped")
	require.NotEmpty(t, d.Events)
	assert.True(t, d.Events[0].Warning)
	assert.Equal(t, ptr.To[int64](1), d.ConsumedNonce)
}

// An upgrade waits for the attempt in flight, at most the savepoint
// timeout, and records it when it completes meanwhile.
func TestSessionJobUpgradeSettlesTheSavepointFirst(t *testing.T) {
	in := sessionJobSnapshotInput()
	in.Spec.Job.SavepointTriggerNonce = ptr.To[int64](1)
	d := gate.SessionJobSnapshots(in)
	in.Status = &d.Status
	in.Savepoint = gate.SavepointObservation{State: gate.SavepointInProgress}

	d = gate.SettleSessionJobSnapshot(in)
	assert.True(t, d.UpgradeWaits)
	assert.NotNil(t, d.Status.SavepointTrigger)

	in.Savepoint = gate.SavepointObservation{State: gate.SavepointSucceeded, Location: "s3://b/sp-2"}
	d = gate.SettleSessionJobSnapshot(in)
	assert.False(t, d.UpgradeWaits)
	assert.Nil(t, d.Status.SavepointTrigger)
	assert.Equal(t, "s3://b/sp-2", d.Status.JobStatus.SavepointInfo.LastSavepoint.Location)

	in.Savepoint = gate.SavepointObservation{State: gate.SavepointInProgress}
	in.Now = in.Now.Add(time.Hour)
	d = gate.SettleSessionJobSnapshot(in)
	assert.False(t, d.UpgradeWaits, "not longer than the savepoint timeout")
}
