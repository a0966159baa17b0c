package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestSessionJobStopTableMatchesTheDesign(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "design", "sessionjob.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(data), "### A stop-with-savepoint in flight")
	require.True(t, found, "the design has the stop table")
	assert.Equal(t, SessionJobStopRules(), firstColumn(section))
}

var stopNow = time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)

// stopInFlight is a trigger recorded a minute ago, on a READY session.
func stopInFlight(edit func(*SessionJobStopFacts)) SessionJobStopFacts {
	f := SessionJobStopFacts{InFlight: true, SessionReady: true, TriggeredAt: stopNow.Add(-time.Minute), Now: stopNow}
	edit(&f)
	return f
}

// failedOnce is one failed attempt whose back-off is over, the job
// running.
func failedOnce(edit func(*SessionJobStopFacts)) SessionJobStopFacts {
	f := SessionJobStopFacts{SessionReady: true, Failures: 1, RetryAfter: stopNow.Add(-time.Second), Now: stopNow, Job: SessionJobRunRunning}
	edit(&f)
	return f
}

// Each row decides for the facts it names, from the user's side: what
// happened to the job and to Flink's memory of the trigger.
func TestDecideSessionJobStop(t *testing.T) {
	const sp = "s3://b/savepoints/savepoint-aaaaaa-000000000001"
	for _, tc := range []struct {
		name string
		f    SessionJobStopFacts
		row  string
		step SessionJobStopStep
	}{
		{"the session went away mid-stop: nothing is sent", stopInFlight(func(f *SessionJobStopFacts) { f.SessionReady = false }),
			"in flight, the session missing or not READY", SessionJobStopWaitForSession},
		{"completed", stopInFlight(func(f *SessionJobStopFacts) { f.Poll = SavepointObservation{State: SavepointSucceeded, Location: sp} }),
			"in flight, Flink reports it completed", SessionJobStopDone},
		{"Flink failed it", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll = SavepointObservation{State: SavepointFailed, Failure: "declined"}
		}),
			"in flight, Flink failed or refused it", SessionJobStopFailed},
		{"Flink forgot the trigger after the stop completed (operator down past Flink's operation cache)", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job = SavepointUnknown, SessionJobRunEnded
			f.LatestSavepoint, f.LatestSavepointTime = sp, stopNow.Add(-30*time.Second).UnixMilli()
		}), "in flight, unknown to Flink, a savepoint of the job completed since it was triggered", SessionJobStopDone},
		{"a savepoint older than the trigger is not the stop's", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job = SavepointUnknown, SessionJobRunRunning
			f.LatestSavepoint, f.LatestSavepointTime = sp, stopNow.Add(-2*time.Minute).UnixMilli()
		}), "in flight, unknown to Flink, the job running", SessionJobStopResend},
		{"trigger forgotten, the job ended without a savepoint since: plan again", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job = SavepointUnknown, SessionJobRunEnded
		}), "in flight, unknown to Flink, the job ended", SessionJobStopReplan},
		{"the JobManager forgot the job and the trigger: manual restore", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job = SavepointUnknown, SessionJobRunMissing
		}), "in flight, unknown to Flink, the job unknown to the JobManager", SessionJobStopLost},
		{"the poll never answers, past the timeout: a failed attempt", stopInFlight(func(f *SessionJobStopFacts) { f.TriggeredAt = stopNow.Add(-11 * time.Minute) }),
			"in flight past the savepoint timeout", SessionJobStopFailed},
		{"the poll never answers, within the timeout: wait", stopInFlight(func(*SessionJobStopFacts) {}),
			"in flight, anything else", SessionJobStopWait},
		{"in progress past the timeout", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.TriggeredAt = SavepointInProgress, stopNow.Add(-11*time.Minute)
		}), "in flight past the savepoint timeout", SessionJobStopFailed},
		{"recorded, never sent (a crash), the job running: the same trigger again", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job = SavepointUnknown, SessionJobRunRunning
		}), "in flight, unknown to Flink, the job running", SessionJobStopResend},
		{"trigger unknown, REST silent on the job: wait", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job = SavepointUnknown, SessionJobRunNoAnswer
		}), "in flight, anything else", SessionJobStopWait},
		{"resending is bounded by the timeout too", stopInFlight(func(f *SessionJobStopFacts) {
			f.Poll.State, f.Job, f.TriggeredAt = SavepointUnknown, SessionJobRunRunning, stopNow.Add(-11*time.Minute)
		}), "in flight past the savepoint timeout", SessionJobStopFailed},

		{"failed, then the user edited the spec: plan again", failedOnce(func(f *SessionJobStopFacts) { f.NewGeneration, f.Failures = true, 3 }),
			"failed, the spec changed since", SessionJobStopReplan},
		{"failed, the session not READY", failedOnce(func(f *SessionJobStopFacts) { f.SessionReady = false }),
			"failed, the session missing or not READY", SessionJobStopWaitForSession},
		{"failed, and the stop completed after all: plan again (its savepoint is the latest)", failedOnce(func(f *SessionJobStopFacts) {
			f.Job, f.RetryAfter = SessionJobRunEnded, stopNow.Add(time.Minute)
		}), "failed, the job ended or unknown to the JobManager", SessionJobStopReplan},
		{"attempts spent, the job running: hold", failedOnce(func(f *SessionJobStopFacts) { f.Failures = 3 }),
			"failed, the attempts spent", SessionJobStopHold},
		{"attempts spent, the job ended since: plan again", failedOnce(func(f *SessionJobStopFacts) { f.Failures, f.Job = 3, SessionJobRunEnded }),
			"failed, the job ended or unknown to the JobManager", SessionJobStopReplan},
		{"back-off running", failedOnce(func(f *SessionJobStopFacts) { f.RetryAfter = stopNow.Add(time.Second) }),
			"failed, the back-off not over", SessionJobStopWaitRetry},
		{"back-off over, the job running: a new trigger", failedOnce(func(*SessionJobStopFacts) {}),
			"failed, the job running", SessionJobStopRetry},
		{"back-off over, REST silent on the job: wait, never a stop blind", failedOnce(func(f *SessionJobStopFacts) { f.Job = SessionJobRunNoAnswer }),
			"failed, anything else", SessionJobStopWait},
		{"back-off over, the job restarting: wait", failedOnce(func(f *SessionJobStopFacts) { f.Job = SessionJobRunOther }),
			"failed, anything else", SessionJobStopWait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := DecideSessionJobStop(tc.f)
			assert.Equal(t, tc.row, d.Row)
			assert.Equal(t, tc.step, d.Step)
		})
	}
}

// The decision carries what the step records: the location, or a cause
// that names what failed.
func TestDecideSessionJobStopSaysWhatItFound(t *testing.T) {
	const sp = "s3://b/savepoints/savepoint-aaaaaa-000000000001"
	d := DecideSessionJobStop(stopInFlight(func(f *SessionJobStopFacts) {
		f.Poll.State, f.Job = SavepointUnknown, SessionJobRunEnded
		f.LatestSavepoint, f.LatestSavepointTime = sp, stopNow.UnixMilli()
	}))
	assert.Equal(t, sp, d.Location)
	d = DecideSessionJobStop(stopInFlight(func(f *SessionJobStopFacts) {
		f.Poll = SavepointObservation{State: SavepointFailed, Failure: "Checkpoint was declined"}
	}))
	assert.Equal(t, "Checkpoint was declined", d.Cause)
	d = DecideSessionJobStop(stopInFlight(func(f *SessionJobStopFacts) { f.Poll = SavepointObservation{TriggerError: "no savepoint directory"} }))
	assert.Equal(t, "Flink refused the stop-with-savepoint: no savepoint directory", d.Cause)
	d = DecideSessionJobStop(stopInFlight(func(f *SessionJobStopFacts) {
		f.TriggeredAt, f.Policy.SavepointTimeout = stopNow.Add(-3*time.Minute), 2*time.Minute
	}))
	assert.Contains(t, d.Cause, "--savepoint-timeout (2m0s)")
}

// A FlinkDeployment's upgrade and a session job's stop count their failed
// attempts the same way: the back-off doubles, and the policy's last
// attempt spends them.
func TestCountSavepointFailure(t *testing.T) {
	p := Policy{RetryBackoff: 10 * time.Second, MaxSavepointAttempts: 3}
	up := &v1beta1.UpgradeProgress{TriggerID: "t1", TriggerTimestamp: v1beta1.NewTimestamp(stopNow)}
	backoff, spent := CountSavepointFailure(up, p, stopNow, "declined")
	assert.False(t, spent)
	assert.Equal(t, 10*time.Second, backoff)
	assert.Equal(t, stopNow.Add(10*time.Second).UnixMilli(), up.RetryAfter.UnixMilli())
	assert.Empty(t, up.TriggerID, "the failed trigger is dropped")
	assert.True(t, up.TriggerTimestamp.IsZero())
	assert.Equal(t, "declined", up.LastFailure)
	backoff, spent = CountSavepointFailure(up, p, stopNow, "declined again")
	assert.False(t, spent)
	assert.Equal(t, 20*time.Second, backoff)
	_, spent = CountSavepointFailure(up, p, stopNow, "declined a third time")
	assert.True(t, spent)
	assert.EqualValues(t, 3, up.Failures)
}
