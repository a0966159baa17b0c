package reconciler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Story 8 of issue 15: a last-state job created through the CR runs with
// checkpoints Flink keeps when the job fails for good, taken often enough
// for a last-state upgrade to restore from, and with a job result store of
// its own that keeps finished jobs' results (FLINK-27569).
func TestLastStateJobRunsWithCheckpointDefaults(t *testing.T) {
	d := deployRunning(t, "cpdefaults", "v1_20", statefulSpec("cpdefaults", "last-state", haConfig))

	conf := d.sim.flinkConfig()
	assert.Equal(t, "RETAIN_ON_CANCELLATION", conf["execution.checkpointing.externalized-checkpoint-retention"])
	assert.Equal(t, "5 min", conf["execution.checkpointing.interval"])
	assert.Equal(t, "s3://bucket/ha/job-result-store/"+d.sim.ns+"/cpdefaults", conf["job-result-store.storage-path"])
	assert.Equal(t, "false", conf["job-result-store.delete-on-commit"])
}

// What the user sets wins over the operator's defaults.
func TestCheckpointSettingsOfTheUserWin(t *testing.T) {
	d := deployRunning(t, "cpuser", "v1_20", statefulSpec("cpuser", "last-state", haConfig+`
    execution.checkpointing.externalized-checkpoint-retention: DELETE_ON_CANCELLATION
    execution.checkpointing.interval: 30 s`))

	conf := d.sim.flinkConfig()
	assert.Equal(t, "DELETE_ON_CANCELLATION", conf["execution.checkpointing.externalized-checkpoint-retention"])
	assert.Equal(t, "30 s", conf["execution.checkpointing.interval"])
	assert.Equal(t, 1, len(d.sim.starts), "one job submission")
}
