package flinkrest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadStats(t *testing.T, file string) *CheckpointStats {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var s CheckpointStats
	require.NoError(t, json.Unmarshal(data, &s))
	return &s
}

// The 1.15 fixture is the className payload quoted verbatim in
// flink-facts.md section 1.3.
func TestCheckpointStatsClassName115(t *testing.T) {
	s := loadStats(t, "testdata/checkpoints-1.15-classname.json")
	assert.Equal(t, CheckpointCounts{Restored: 1, Total: 79, Completed: 69, Failed: 10}, s.Counts)
	require.NotNil(t, s.Latest.Completed)
	assert.Equal(t, CheckpointKindCompleted, s.Latest.Completed.Kind)
	assert.Equal(t, int64(28437), s.Latest.Completed.CheckpointedSize)
	require.NotNil(t, s.Latest.Savepoint)
	assert.Equal(t, CheckpointKindCompleted, s.Latest.Savepoint.Kind)
	assert.Nil(t, s.Latest.Failed)
	require.NotNil(t, s.Latest.Restored)
	assert.Equal(t, int64(27), s.Latest.Restored.ID)
	require.Len(t, s.History, 1)
	assert.Equal(t, CheckpointKindCompleted, s.History[0].Kind)
	assert.False(t, s.Pending())

	ref, ok := s.LatestCompleted()
	require.True(t, ok)
	assert.Equal(t, CheckpointRef{ID: 96, ExternalPath: "file:/flink-data/checkpoints/<jobid>/chk-96", Source: "completed"}, ref)
	path, ok := s.LatestRestorablePath()
	assert.True(t, ok)
	assert.Equal(t, "file:/flink-data/checkpoints/<jobid>/chk-96", path)
}

// The 1.14 fixture is built from the facts' field list with the "@class"
// discriminator; the facts document has no literal 1.14 payload.
func TestCheckpointStatsAtClass114(t *testing.T) {
	s := loadStats(t, "testdata/checkpoints-1.14-atclass.json")
	require.NotNil(t, s.Latest.Failed)
	assert.Equal(t, CheckpointKindFailed, s.Latest.Failed.Kind)
	assert.Equal(t, "Checkpoint expired before completing.", s.Latest.Failed.FailureMessage)
	assert.Nil(t, s.Latest.Restored)
	require.Len(t, s.History, 2)
	assert.Equal(t, CheckpointKindInProgress, s.History[0].Kind)
	assert.True(t, s.Pending())

	// The savepoint (id 40) is newer than the last checkpoint (id 38).
	ref, ok := s.LatestCompleted()
	require.True(t, ok)
	assert.Equal(t, "savepoint", ref.Source)
	assert.Equal(t, int64(40), ref.ID)
	assert.True(t, ref.IsSavepoint)
	assert.Equal(t, "s3://bucket/savepoints/savepoint-4bd6a1-0c9e1f2a3b4d", ref.ExternalPath)
}

func TestLatestCompletedDoesNotFallBackPastUnaddressable(t *testing.T) {
	s := &CheckpointStats{Latest: LatestCheckpoints{
		Completed: &Checkpoint{ID: 9, ExternalPath: NotExternallyAddressable},
		Savepoint: &Checkpoint{ID: 5, ExternalPath: "s3://b/sp/savepoint-aaaaaa-000000000000"},
	}}
	ref, ok := s.LatestCompleted()
	require.True(t, ok)
	assert.Equal(t, int64(9), ref.ID)
	assert.False(t, ref.Restorable())
	_, ok = s.LatestRestorablePath()
	assert.False(t, ok, "an older savepoint must not silently replace a newer checkpoint")

	_, ok = (&CheckpointStats{}).LatestCompleted()
	assert.False(t, ok)
	assert.False(t, CheckpointRef{ExternalPath: "s3://x", Discarded: true}.Restorable())
}

// A savepoint being taken shows in history as an in_progress entry with
// its acknowledged and total subtasks (fixture: testdata/README.md).
func TestInProgressSavepoint(t *testing.T) {
	s := loadStats(t, "testdata/checkpoints-2.2-savepoint-in-progress.json")
	cp := s.InProgressSavepoint()
	require.NotNil(t, cp)
	assert.Equal(t, CheckpointKindInProgress, cp.Kind)
	assert.Equal(t, int64(3), cp.ID)
	assert.Equal(t, "SYNC_SAVEPOINT", cp.CheckpointType)
	assert.Equal(t, 1, cp.NumAcknowledgedSubtasks)
	assert.Equal(t, 2, cp.NumSubtasks)
	assert.True(t, s.Pending())

	// A checkpoint in progress is not a savepoint's progress.
	s = loadStats(t, "testdata/checkpoints-1.14-atclass.json")
	require.True(t, s.Pending())
	assert.Nil(t, s.InProgressSavepoint())
}

// What real Flink answered with no savepoint in flight, before and after
// a stop-with-savepoint, shows no progress.
func TestInProgressSavepointNoneInRealAnswers(t *testing.T) {
	for _, v := range []string{"1.20.5", "2.2.1", "2.3.0"} {
		for _, f := range []string{"job-checkpoints-running.json", "job-checkpoints-finished.json", "job-checkpoints-restored.json"} {
			s := loadStats(t, "../../internal/testing/fakejm/testdata/real/"+v+"/"+f)
			assert.Nil(t, s.InProgressSavepoint(), "%s/%s", v, f)
		}
	}
}
