package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// snapshotSpec is a running application with a savepoint directory, the
// given consumed nonce and extra configuration.
func snapshotSpec(nonce *int64, config map[string]any) *v1beta1.FlinkDeploymentSpec {
	spec := appSpec(v1beta1.UpgradeModeSavepoint)
	c := map[string]any{"state.savepoints.dir": "s3://b/sp", "state.checkpoints.dir": "s3://b/cp"}
	for k, v := range config {
		c[k] = v
	}
	spec.FlinkConfiguration = v1beta1.NewConfigObject(c)
	spec.Job.SavepointTriggerNonce = nonce
	return spec
}

// snapshotInput is a running job deployed with nonce 1 whose spec asks for
// nonce (nil: unchanged).
func snapshotInput(t *testing.T, nonce *int64, config map[string]any) Input {
	deployed := snapshotSpec(ptr.To[int64](1), config)
	desired := deployed.DeepCopy()
	if nonce != nil {
		desired.Job.SavepointTriggerNonce = nonce
	}
	in := upgradeInput(t, deployed, desired, runningObs(flinkrest.JobRunning))
	in.Created = in.Now.Add(-time.Minute)
	return in
}

// periodicInput is a running job created three hours ago with the periodic
// savepoint setting value, whose last periodic savepoint was triggered ago.
func periodicInput(t *testing.T, value string, ago time.Duration) Input {
	in := snapshotInput(t, nil, map[string]any{"kubernetes.operator.periodic.savepoint.interval": value})
	in.Created = in.Now.Add(-3 * time.Hour)
	in.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{LastPeriodicSavepointTimestamp: in.Now.Add(-ago).UnixMilli()}
	return in
}

// inFlight records a MANUAL request for nonce 2 whose attempt was triggered
// ago.
func inFlight(in Input, ago time.Duration, sp SavepointObservation) Input {
	ts := in.Now.Add(-ago).UnixMilli()
	in.Status.SavepointTrigger = &v1beta1.SavepointTrigger{TriggerType: v1beta1.SavepointTriggerManual, Nonce: ptr.To[int64](2), FirstTriggerTimestamp: v1beta1.UnixMilliTimestamp(ts)}
	in.Status.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{TriggerID: trigger, TriggerTimestamp: &ts, TriggerType: "MANUAL", FormatType: "CANONICAL"}
	in.Savepoint = sp
	return in
}

func consumedNonce(t *testing.T, st *v1beta1.FlinkDeploymentStatus) *int64 {
	spec, err := lastReconciledSpec(st)
	require.NoError(t, err)
	return spec.Job.SavepointTriggerNonce
}

func hasEvent(d Decision, warning bool, reason, text string) bool {
	for _, e := range d.Events {
		if e.Warning == warning && e.Reason == reason && strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}

func TestGateSnapshots(t *testing.T) {
	tests := []struct {
		name  string
		in    func(t *testing.T) Input
		check func(t *testing.T, d Decision)
	}{{
		name: "nonce unchanged: nothing to take",
		in:   func(t *testing.T) Input { return snapshotInput(t, nil, nil) },
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Empty(t, d.Events)
		},
	}, {
		name: "nonce changed: the attempt is recorded before the trigger, the job keeps running",
		in:   func(t *testing.T) Input { return snapshotInput(t, ptr.To[int64](2), nil) },
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, oldJob, d.Savepoint.JobID)
			assert.Equal(t, trigger, d.Savepoint.TriggerID)
			assert.Equal(t, "s3://b/sp", d.Savepoint.Dir)
			assert.Equal(t, flinkrest.SavepointFormatCanonical, d.Savepoint.FormatType)
			tr := d.Status.SavepointTrigger
			require.NotNil(t, tr)
			assert.Equal(t, v1beta1.SavepointTriggerManual, tr.TriggerType)
			assert.Equal(t, int64(2), *tr.Nonce)
			info := d.Status.JobStatus.SavepointInfo
			assert.Equal(t, trigger, info.TriggerID)
			assert.Equal(t, "MANUAL", info.TriggerType)
			assert.Equal(t, "CANONICAL", info.FormatType)
			assert.Equal(t, int64(1_000_000), *info.TriggerTimestamp)
			assert.Nil(t, d.Status.Upgrade, "no upgrade, no stop")
			assert.Equal(t, int64(1), *consumedNonce(t, &d.Status), "not consumed before it is served")
		},
	}, {
		name: "nonce changed on Flink < 1.15: no trigger id or format is sent",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), nil)
			in.TriggerIDs = false
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Empty(t, d.Savepoint.TriggerID)
			assert.Empty(t, d.Savepoint.FormatType)
			assert.NotNil(t, d.Status.JobStatus.SavepointInfo.TriggerTimestamp)
		},
	}, {
		name: "NATIVE configured: the manual savepoint asks for NATIVE and records it",
		in: func(t *testing.T) Input {
			return snapshotInput(t, ptr.To[int64](2), map[string]any{"kubernetes.operator.savepoint.format.type": "NATIVE"})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, flinkrest.SavepointFormatNative, d.Savepoint.FormatType)
			assert.Equal(t, "NATIVE", d.Status.JobStatus.SavepointInfo.FormatType)
			assert.True(t, hasEvent(d, false, ReasonSavepoint, "Triggering a MANUAL savepoint (NATIVE)"))
		},
	}, {
		name: "NATIVE read ignoring case, for a periodic savepoint too",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, nil, map[string]any{"kubernetes.operator.savepoint.format.type": "native", "kubernetes.operator.periodic.savepoint.interval": "1 h"})
			in.Created = in.Now.Add(-3 * time.Hour)
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, v1beta1.SavepointTriggerPeriodic, d.Status.SavepointTrigger.TriggerType)
			assert.Equal(t, flinkrest.SavepointFormatNative, d.Savepoint.FormatType)
			assert.Equal(t, "NATIVE", d.Status.JobStatus.SavepointInfo.FormatType)
		},
	}, {
		name: "CANONICAL on Flink < 1.15: recorded, nothing sent",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), map[string]any{"kubernetes.operator.savepoint.format.type": "CANONICAL"})
			in.TriggerIDs = false
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Empty(t, d.Savepoint.FormatType)
			assert.Equal(t, "CANONICAL", d.Status.JobStatus.SavepointInfo.FormatType)
		},
	}, {
		name: "nonce changed, job restarting: waits",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), nil)
			in.Obs = runningObs(flinkrest.JobRestarting)
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Nil(t, d.Status.SavepointTrigger)
		},
	}, {
		name: "in progress: polled again",
		in: func(t *testing.T) Input {
			return inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointInProgress})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.NotNil(t, d.Status.SavepointTrigger)
			assert.Equal(t, DefaultPolicy.SavepointPollInterval, d.RequeueAfter)
			assert.False(t, d.Apply.PersistFirst)
		},
	}, {
		name: "completed: recorded with its nonce, nonce consumed, generation reconciled",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointSucceeded, Location: "s3://b/sp/savepoint-1"})
			in.Status.JobStatus.SavepointInfo.SavepointHistory = make([]v1beta1.Savepoint, maxSavepointHistory)
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.True(t, d.Apply.PersistFirst, "recorded before anything else happens")
			info := d.Status.JobStatus.SavepointInfo
			require.NotNil(t, info.LastSavepoint)
			assert.Equal(t, v1beta1.Savepoint{TimeStamp: 1_000_000 - 1000, Location: "s3://b/sp/savepoint-1", TriggerType: "MANUAL", FormatType: "CANONICAL", TriggerNonce: ptr.To[int64](2)}, *info.LastSavepoint)
			assert.Len(t, info.SavepointHistory, maxSavepointHistory, "bounded")
			assert.Equal(t, *info.LastSavepoint, info.SavepointHistory[maxSavepointHistory-1])
			assert.Empty(t, info.TriggerID)
			assert.Nil(t, info.TriggerTimestamp)
			assert.Empty(t, info.TriggerType)
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, int64(2), *consumedNonce(t, &d.Status))
			assert.Equal(t, int64(2), d.Status.ObservedGeneration)
			assert.Empty(t, d.Status.JobStatus.UpgradeSavepointPath, "not an upgrade's restore path")
			assert.True(t, hasEvent(d, false, ReasonSavepoint, "completed at s3://b/sp/savepoint-1"))
		},
	}, {
		name: "completed NATIVE attempt: lastSavepoint and history say NATIVE",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), map[string]any{"kubernetes.operator.savepoint.format.type": "NATIVE"})
			in = inFlight(in, time.Second, SavepointObservation{State: SavepointSucceeded, Location: "s3://b/sp/savepoint-n"})
			in.Status.JobStatus.SavepointInfo.FormatType = "NATIVE"
			return in
		},
		check: func(t *testing.T, d Decision) {
			info := d.Status.JobStatus.SavepointInfo
			require.NotNil(t, info.LastSavepoint)
			assert.Equal(t, "NATIVE", info.LastSavepoint.FormatType)
			require.Len(t, info.SavepointHistory, 1)
			assert.Equal(t, "NATIVE", info.SavepointHistory[0].FormatType)
			assert.Empty(t, info.FormatType)
		},
	}, {
		name: "the format of the attempt as recorded wins over the configured one",
		in: func(t *testing.T) Input {
			// Recorded CANONICAL, then the key changed to NATIVE: the
			// attempt in flight is still the CANONICAL savepoint.
			in := snapshotInput(t, ptr.To[int64](2), map[string]any{"kubernetes.operator.savepoint.format.type": "NATIVE"})
			return inFlight(in, time.Second, SavepointObservation{State: SavepointUnknown})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, trigger, d.Savepoint.TriggerID, "sent again")
			assert.Equal(t, flinkrest.SavepointFormatCanonical, d.Savepoint.FormatType)
			assert.Equal(t, "CANONICAL", d.Status.JobStatus.SavepointInfo.FormatType)
		},
	}, {
		name: "failed within the grace period: retried later, the nonce stays pending",
		in: func(t *testing.T) Input {
			return inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointFailed, Failure: "declined"})
		},
		check: func(t *testing.T, d Decision) {
			tr := d.Status.SavepointTrigger
			require.NotNil(t, tr)
			assert.Equal(t, int32(1), tr.Failures)
			assert.Equal(t, "declined", tr.LastFailure)
			assert.Equal(t, int64(1_000_000+10_000), tr.RetryAfter.UnixMilli())
			assert.Nil(t, d.Status.JobStatus.SavepointInfo.TriggerTimestamp)
			assert.Equal(t, 10*time.Second, d.RequeueAfter)
			assert.True(t, d.Apply.PersistFirst)
			assert.Equal(t, int64(1), *consumedNonce(t, &d.Status))
			assert.True(t, hasEvent(d, true, ReasonSavepointError, "attempt 1 failed, retrying"))
		},
	}, {
		name: "failed after the grace period: given up, the nonce consumed",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), map[string]any{"kubernetes.operator.savepoint.trigger.grace-period": "30 s"})
			in = inFlight(in, time.Second, SavepointObservation{State: SavepointFailed, Failure: "declined"})
			in.Status.SavepointTrigger.FirstTriggerTimestamp = v1beta1.UnixMilliTimestamp(in.Now.Add(-31 * time.Second).UnixMilli())
			in.Status.SavepointTrigger.Failures = 2
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, int64(2), *consumedNonce(t, &d.Status))
			assert.Nil(t, d.Status.JobStatus.SavepointInfo.LastSavepoint)
			assert.True(t, hasEvent(d, true, ReasonSavepointError, "failed 3 time(s) and is given up"))
			assert.True(t, d.Apply.PersistFirst)
		},
	}, {
		name: "between attempts, retry not due: waits",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), nil)
			in.Status.SavepointTrigger = &v1beta1.SavepointTrigger{TriggerType: v1beta1.SavepointTriggerManual, Nonce: ptr.To[int64](2),
				FirstTriggerTimestamp: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 5000), Failures: 1, RetryAfter: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() + 3000)}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Equal(t, 3*time.Second, d.RequeueAfter)
		},
	}, {
		name: "between attempts, retry due: the next attempt",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), nil)
			in.Status.SavepointTrigger = &v1beta1.SavepointTrigger{TriggerType: v1beta1.SavepointTriggerManual, Nonce: ptr.To[int64](2),
				FirstTriggerTimestamp: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 15000), Failures: 1, RetryAfter: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 1)}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, int64(1_000_000-15_000), d.Status.SavepointTrigger.FirstTriggerTimestamp.UnixMilli(), "the grace period keeps counting from the first")
			assert.Equal(t, int64(1_000_000), *d.Status.JobStatus.SavepointInfo.TriggerTimestamp)
		},
	}, {
		name: "job stopped running: dropped, the nonce consumed",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointInProgress})
			in.Obs = runningObs(flinkrest.JobFailed)
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, int64(2), *consumedNonce(t, &d.Status))
			assert.True(t, hasEvent(d, true, ReasonSavepointError, "dropped: the job stopped running (FAILED)"))
		},
	}, {
		name: "REST API unanswered: waits, nothing dropped",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{})
			in.Obs = Observation{JobManager: v1beta1.JMDeployedNotReady}
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.NotNil(t, d.Status.SavepointTrigger)
			assert.Empty(t, d.Events)
		},
	}, {
		name: "Flink forgot the trigger but a savepoint completed since: that one is recorded",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointUnknown})
			in.LatestCheckpoint, in.LatestCheckpointTime = "s3://b/sp/savepoint-2", in.Now.UnixMilli()-500
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, "s3://b/sp/savepoint-2", d.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
			assert.Nil(t, d.Status.SavepointTrigger)
		},
	}, {
		name: "Flink does not know the trigger (never sent): sent again with the same id",
		in: func(t *testing.T) Input {
			return inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointUnknown})
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, trigger, d.Savepoint.TriggerID)
			assert.Equal(t, int64(1_000_000-1000), *d.Status.JobStatus.SavepointInfo.TriggerTimestamp)
		},
	}, {
		name: "periodic due: triggered and the trigger time recorded",
		in:   func(t *testing.T) Input { return periodicInput(t, "1 h", 61*time.Minute) },
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, v1beta1.SavepointTriggerPeriodic, d.Status.SavepointTrigger.TriggerType)
			assert.Nil(t, d.Status.SavepointTrigger.Nonce)
			assert.Equal(t, "PERIODIC", d.Status.JobStatus.SavepointInfo.TriggerType)
			assert.Equal(t, int64(1_000_000), d.Status.JobStatus.SavepointInfo.LastPeriodicSavepointTimestamp)
		},
	}, {
		name: "periodic not due: wakes up when it is",
		in:   func(t *testing.T) Input { return periodicInput(t, "1 h", 10*time.Minute) },
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, 50*time.Minute, d.RequeueAfter)
		},
	}, {
		// Now is 1970-01-01T00:16:40Z.
		name: "periodic by Quartz cron, due: its first time after the last trigger has passed",
		in:   func(t *testing.T) Input { return periodicInput(t, "0 0/30 * * * ?", 20*time.Minute) },
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionTriggerSavepoint, d.Action())
			assert.Equal(t, v1beta1.SavepointTriggerPeriodic, d.Status.SavepointTrigger.TriggerType)
			assert.Equal(t, int64(1_000_000), d.Status.JobStatus.SavepointInfo.LastPeriodicSavepointTimestamp)
		},
	}, {
		name: "periodic by Quartz cron, not due: wakes up at its next time",
		in:   func(t *testing.T) Input { return periodicInput(t, "0 0/30 * * * ?", 10*time.Minute) },
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, 13*time.Minute+20*time.Second, d.RequeueAfter, "00:30:00 from 00:16:40")
		},
	}, {
		name: "first periodic: an interval after the resource was created",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, nil, map[string]any{"kubernetes.operator.periodic.savepoint.interval": "1 h"})
			in.Created = in.Now.Add(-20 * time.Minute)
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, 40*time.Minute, d.RequeueAfter)
		},
	}, {
		name: "manual comes before periodic",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), map[string]any{"kubernetes.operator.periodic.savepoint.interval": "1 h"})
			in.Created = in.Now.Add(-3 * time.Hour)
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, v1beta1.SavepointTriggerManual, d.Status.SavepointTrigger.TriggerType)
		},
	}, {
		name: "upgrade while an attempt is in flight: the upgrade waits for it",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointInProgress})
			in.Spec = withImage(in.Spec, "flink:1.20.1")
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, ActionApply, d.Action())
			assert.Equal(t, "flink:1.20", d.Apply.Target.Image)
			assert.Nil(t, d.Status.Upgrade)
			assert.Contains(t, d.Hold, "upgrade waiting for the MANUAL savepoint in progress")
			assert.Equal(t, DefaultPolicy.SavepointPollInterval, d.RequeueAfter)
		},
	}, {
		name: "upgrade after the attempt completed: recorded, then the upgrade starts",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), time.Second, SavepointObservation{State: SavepointSucceeded, Location: "s3://b/sp/savepoint-3"})
			in.Spec = withImage(in.Spec, "flink:1.20.1")
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Equal(t, "s3://b/sp/savepoint-3", d.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
			assert.Equal(t, int64(2), *consumedNonce(t, &d.Status))
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, ActionStopWithSavepoint, d.Action())
			require.NotNil(t, d.Status.Upgrade)
			assert.Equal(t, "UPGRADE", d.Status.JobStatus.SavepointInfo.TriggerType)
		},
	}, {
		name: "upgrade and an attempt past its timeout: dropped, the upgrade starts",
		in: func(t *testing.T) Input {
			in := inFlight(snapshotInput(t, ptr.To[int64](2), nil), 11*time.Minute, SavepointObservation{State: SavepointInProgress})
			in.Spec = withImage(in.Spec, "flink:1.20.1")
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, ActionStopWithSavepoint, d.Action())
			assert.True(t, hasEvent(d, true, ReasonSavepointError, "an upgrade of the job comes first"))
		},
	}, {
		name: "upgrade while a retry is pending: dropped at once",
		in: func(t *testing.T) Input {
			in := snapshotInput(t, ptr.To[int64](2), nil)
			in.Status.SavepointTrigger = &v1beta1.SavepointTrigger{TriggerType: v1beta1.SavepointTriggerManual, Nonce: ptr.To[int64](2),
				FirstTriggerTimestamp: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() - 5000), Failures: 1, RetryAfter: v1beta1.UnixMilliTimestamp(in.Now.UnixMilli() + 3000)}
			in.Spec = withImage(in.Spec, "flink:1.20.1")
			return in
		},
		check: func(t *testing.T, d Decision) {
			assert.Nil(t, d.Status.SavepointTrigger)
			assert.Equal(t, ActionStopWithSavepoint, d.Action())
		},
	}, {
		name: "nonce changed with an upgrade: not consumed by it, so served afterwards",
		in: func(t *testing.T) Input {
			deployed := snapshotSpec(ptr.To[int64](1), nil)
			deployed.Job.UpgradeMode = v1beta1.UpgradeModeStateless
			desired := withImage(deployed, "flink:1.20.1")
			desired.Job.SavepointTriggerNonce = ptr.To[int64](2)
			in := upgradeInput(t, deployed, desired, runningObs(flinkrest.JobRunning))
			in.ClusterGone = true
			return in
		},
		check: func(t *testing.T, d Decision) {
			require.NotNil(t, d.After)
			assert.Nil(t, d.After.SavepointTrigger)
			assert.Equal(t, int64(1), *consumedNonce(t, d.After))
			assert.Equal(t, int64(2), *d.Apply.Target.Job.SavepointTriggerNonce)
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, Decide(tc.in(t)))
		})
	}
}

func TestSavepointNonceIsNoSpecChange(t *testing.T) {
	a := snapshotSpec(ptr.To[int64](1), nil)
	b := snapshotSpec(ptr.To[int64](2), nil)
	assert.Equal(t, DiffNone, Classify(a, b).Type)
	n, ok := PendingNonce(a, b)
	require.True(t, ok)
	assert.Equal(t, int64(2), *n)
	_, ok = PendingNonce(b, b)
	assert.False(t, ok)
	_, ok = PendingNonce(b, snapshotSpec(nil, nil))
	assert.False(t, ok, "a removed nonce asks for nothing")
}
