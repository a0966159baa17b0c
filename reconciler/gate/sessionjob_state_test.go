package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionJobStateTableMatchesTheDesign(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "design", "sessionjob.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(data), "## The gate's table gains")
	require.True(t, found, "the design has the session-job table")
	assert.Equal(t, SessionJobStateRules(), firstColumn(section))
}

// Each row decides for the facts it names, and an earlier row wins over
// a later one whose condition holds too.
func TestKeepSessionJobState(t *testing.T) {
	ready := SessionJobChange{SessionReady: true, JobKnown: true}
	with := func(edit func(*SessionJobChange)) SessionJobChange {
		f := ready
		edit(&f)
		return f
	}
	for _, tc := range []struct {
		name string
		f    SessionJobChange
		row  string
		keep SessionJobKeep
	}{
		{"held beats everything", with(func(f *SessionJobChange) { f.Held, f.SessionReady, f.Running = true, false, true }),
			"the change is not carried out", SessionJobHold},
		{"no session: nothing is sent", with(func(f *SessionJobChange) { f.SessionReady, f.CancelOnly = false, true }),
			"session missing, an application cluster, or not READY", SessionJobWaitForSession},
		{"a savepoint in flight is settled before a stop", with(func(f *SessionJobChange) { f.SnapshotInFlight, f.Running, f.Resubmits = true, true, true }),
			"a manual or periodic savepoint in flight", SessionJobSettleSnapshot},
		{"stateless cancels even with REST silent", with(func(f *SessionJobChange) { f.CancelOnly, f.JobKnown = true, false }),
			"upgradeMode stateless, or a savepoint redeploy", SessionJobCancel},
		{"REST silent: no stateful step on a guess", with(func(f *SessionJobChange) { f.JobKnown, f.Resubmits = false, true }),
			"REST API not answering, or the job unknown to it", SessionJobHold},
		{"last-state with retained checkpoints", with(func(f *SessionJobChange) {
			f.Running, f.Resubmits, f.LastState, f.Checkpoint = true, true, true, SessionJobCheckpointRestorable
		}), "running, last-state, its checkpoints retained on cancellation and one restorable", SessionJobRestoreCheckpoint},
		{"last-state, checkpoints unanswered: wait, no savepoint", with(func(f *SessionJobChange) {
			f.Running, f.Resubmits, f.LastState, f.Checkpoint = true, true, true, SessionJobCheckpointUnknown
		}), "running, last-state, its checkpoints not answered for", SessionJobHold},
		{"last-state whose checkpoints a cancel deletes: savepoint", with(func(f *SessionJobChange) {
			f.Running, f.Resubmits, f.LastState, f.Checkpoint = true, true, true, SessionJobCheckpointNotRetained
		}), "running", SessionJobStopWithSavepoint},
		{"savepoint upgrade", with(func(f *SessionJobChange) { f.Running, f.Resubmits = true, true }), "running", SessionJobStopWithSavepoint},
		{"suspend", with(func(f *SessionJobChange) { f.Running = true }), "running", SessionJobStopWithSavepoint},
		{"failed, with a checkpoint", with(func(f *SessionJobChange) {
			f.Ended, f.Resubmits, f.Checkpoint = true, true, SessionJobCheckpointRestorable
		}),
			"failed or finished, with a checkpoint", SessionJobRestoreCheckpoint},
		{"failed, without a checkpoint", with(func(f *SessionJobChange) { f.Ended, f.Resubmits, f.Checkpoint = true, true, SessionJobCheckpointNone }),
			"anything else", SessionJobHold},
		{"a failed job is not suspended from a checkpoint", with(func(f *SessionJobChange) { f.Ended, f.Checkpoint = true, SessionJobCheckpointRestorable }),
			"anything else", SessionJobHold},
		{"restarting: neither running nor ended", with(func(f *SessionJobChange) { f.Resubmits = true }), "anything else", SessionJobHold},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row, keep := KeepSessionJobState(tc.f)
			assert.Equal(t, tc.row, row)
			assert.Equal(t, tc.keep, keep)
		})
	}
}
