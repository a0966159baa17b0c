package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionJobTakeDownTableMatchesTheDesign(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "design", "sessionjob.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(data), "### A take-down in progress")
	require.True(t, found, "the design has the take-down table")
	assert.Equal(t, SessionJobTakeDownRules(), firstColumn(section))
}

// The new job starts only once the old one can no longer run, and never
// without the state it was promised.
func TestDecideSessionJobTakeDown(t *testing.T) {
	type facts = SessionJobTakeDownFacts
	for _, tc := range []struct {
		name string
		f    facts
		row  string
		step SessionJobTakeDownStep
	}{
		{"restore, the JobManager forgot the job (restarted without HA): manual restore, never empty",
			facts{FromCheckpoint: true, SessionReady: true, Job: SessionJobRunMissing},
			"from its latest checkpoint, the job unknown to the JobManager", SessionJobTakeDownCheckpointLost},
		{"restore, the job ended, its newest checkpoint read",
			facts{FromCheckpoint: true, SessionReady: true, Job: SessionJobRunEnded, Checkpoint: SessionJobCheckpointRestorable},
			"from its latest checkpoint, the job ended, the newest checkpoint restorable", SessionJobTakeDownRestoreCheckpoint},
		{"restore, the newest checkpoint not restorable: an older one is never used",
			facts{FromCheckpoint: true, SessionReady: true, Job: SessionJobRunEnded, Checkpoint: SessionJobCheckpointNone},
			"from its latest checkpoint, the job ended, nothing restorable", SessionJobTakeDownCheckpointLost},
		{"restore, the checkpoints REST call never answers: wait",
			facts{FromCheckpoint: true, SessionReady: true, Job: SessionJobRunEnded, Checkpoint: SessionJobCheckpointUnknown},
			"from its latest checkpoint, the job ended, its checkpoints not answered for", SessionJobTakeDownWait},
		{"restore, the session went away after the job ended: still read first",
			facts{FromCheckpoint: true, Job: SessionJobRunEnded, Checkpoint: SessionJobCheckpointUnknown},
			"from its latest checkpoint, the job ended, its checkpoints not answered for", SessionJobTakeDownWait},
		{"restore, the job still running: cancel it first",
			facts{FromCheckpoint: true, SessionReady: true, Job: SessionJobRunRunning},
			"the job still there", SessionJobTakeDownCancel},
		{"stateless, the job cancelled", facts{SessionReady: true, Job: SessionJobRunEnded},
			"the job ended or unknown to the JobManager", SessionJobTakeDownSubmit},
		{"stateless, the JobManager forgot the job: nothing left to run twice", facts{SessionReady: true, Job: SessionJobRunMissing},
			"the job ended or unknown to the JobManager", SessionJobTakeDownSubmit},
		{"the session not READY: nothing is sent", facts{Job: SessionJobRunNoAnswer},
			"the session missing or not READY", SessionJobTakeDownWaitForSession},
		{"the job cancelling: wait for it through the cancel step", facts{SessionReady: true, Job: SessionJobRunOther},
			"the job still there", SessionJobTakeDownCancel},
		{"REST silent: never submit a second job blind", facts{SessionReady: true, Job: SessionJobRunNoAnswer},
			"anything else", SessionJobTakeDownWait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row, step := DecideSessionJobTakeDown(tc.f)
			assert.Equal(t, tc.row, row)
			assert.Equal(t, tc.step, step)
		})
	}
}
