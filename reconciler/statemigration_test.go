package reconciler_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A last-state upgrade to another Flink version is made through a
// savepoint (HA metadata is not restored across versions). Without a
// savepoint directory Flink refuses every attempt, so the spec is refused
// up front, naming the key; with the directory added in the same edit the
// upgrade goes through a savepoint written there.
func TestLastStateVersionChangeNeedsASavepointDirectory(t *testing.T) {
	doc := strings.Replace(statefulSpec("mig", "last-state", haConfig), "    state.savepoints.dir: s3://bucket/savepoints\n", "", 1)
	require.NotContains(t, doc, "savepoints.dir")
	d := deployRunning(t, "mig", "v1_20", doc)
	events := recordEvents(d)
	ns := d.sim.ns
	deployedWith := getFD(t, ns, "mig").Status.ReconciliationStatus.LastReconciledSpec

	updateFD(t, ns, "mig", func(fd *v1beta1.FlinkDeployment) { fd.Spec.FlinkVersion, fd.Spec.Image = "v2_0", "flink:2.0" })
	const key = "spec.flinkConfiguration[execution.checkpointing.savepoint-dir]: Required value"
	fd := d.until("refused", 5, func(fd *v1beta1.FlinkDeployment) bool { return strings.Contains(fd.Status.Error, key) })
	assert.Contains(t, fd.Status.Error, "the Flink version changes from v1_20 to v2_0")
	assert.NotEmpty(t, events.matching("Warning ValidationError", key))
	for i := 0; i < 5; i++ {
		_ = d.pass()
	}
	fd = getFD(t, ns, "mig")
	assert.Contains(t, fd.Status.Error, key, "still refused, not abandoned")
	assert.Nil(t, fd.Status.Upgrade, "no upgrade started")
	assert.Equal(t, deployedWith, fd.Status.ReconciliationStatus.LastReconciledSpec)
	assert.Equal(t, 0, d.sim.stopTriggers(), "no stop-with-savepoint")
	assert.Len(t, d.sim.starts, 1, "no restart")
	assert.Equal(t, "flink:1.20", jmImage(t, ns, "mig"))

	// The directory, added with the version change, receives the savepoint
	// the old job is stopped with (it does not read the new spec).
	d.sim.version = "v2_0"
	updateFD(t, ns, "mig", func(fd *v1beta1.FlinkDeployment) {
		conf := map[string]any{}
		require.NoError(t, json.Unmarshal(fd.Spec.FlinkConfiguration.Raw, &conf))
		conf["execution.checkpointing.savepoint-dir"] = "s3://bucket/new-savepoints"
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	})
	fd = d.until("upgraded", 40, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 })
	assert.Empty(t, fd.Status.Error)
	assert.Equal(t, 1, d.sim.stopTriggers())
	assert.True(t, strings.HasPrefix(d.sim.starts[1].RestorePath, "s3://bucket/new-savepoints/"), d.sim.starts[1].RestorePath)
	assert.Equal(t, "flink:2.0", jmImage(t, ns, "mig"))
}
