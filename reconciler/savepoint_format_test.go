package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const nativeFormat = "    kubernetes.operator.savepoint.format.type: NATIVE"

// operations lists the savepoint and stop operations of every cluster the
// sim started, oldest first.
func (s *sim) operations() []fakejm.Operation {
	var out []fakejm.Operation
	for _, c := range s.clusters {
		out = append(out, c.Operations()...)
	}
	return out
}

// setConfig sets one flinkConfiguration key, keeping the others as written.
func setConfig(t *testing.T, key, value string) func(*v1beta1.FlinkDeployment) {
	return func(fd *v1beta1.FlinkDeployment) {
		entries, err := fd.Spec.FlinkConfiguration.Flatten()
		require.NoError(t, err)
		flat := map[string]any{}
		for _, e := range entries {
			flat[e.Key] = e.Value
		}
		flat[key] = value
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(flat)
	}
}

func TestNativeSavepointUpgrade(t *testing.T) {
	d := deployRunning(t, "spnative", "v1_20", statefulSpec("spnative", "savepoint", nativeFormat))
	updateFD(t, d.sim.ns, "spnative", newImage)
	fd := d.until("upgraded job running", 40, running)

	ops := d.sim.operations()
	require.Len(t, ops, 1, "exactly one savepoint")
	assert.True(t, ops[0].Stop, "stop-with-savepoint")
	assert.Equal(t, "NATIVE", ops[0].FormatType, "Flink was asked for a NATIVE savepoint")
	reqs := d.sim.clusters[0].RequestsTo("POST /jobs/:jobid/stop")
	require.Len(t, reqs, 1)
	assert.Contains(t, string(reqs[0].Body), `"formatType":"NATIVE"`)

	info := fd.Status.JobStatus.SavepointInfo
	require.NotNil(t, info.LastSavepoint)
	assert.Equal(t, ops[0].Location, info.LastSavepoint.Location)
	assert.Equal(t, "UPGRADE", info.LastSavepoint.TriggerType)
	assert.Equal(t, "NATIVE", info.LastSavepoint.FormatType)
	assert.Equal(t, []v1beta1.Savepoint{*info.LastSavepoint}, info.SavepointHistory)
	assert.Empty(t, info.FormatType, "no attempt in flight")
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, ops[0].Location, d.sim.starts[1].RestorePath, "restored from the NATIVE savepoint")
}

func TestManualSavepointInNativeFormat(t *testing.T) {
	d := deployRunning(t, "manualnative", "v1_20", statefulSpec("manualnative", "savepoint", nativeFormat))
	updateFD(t, d.sim.ns, "manualnative", setNonce(1))
	fd := d.until("savepoint of nonce 1 recorded", 20, served(1))

	ops := d.sim.operations()
	require.Len(t, ops, 1)
	assert.False(t, ops[0].Stop, "the job keeps running")
	assert.Equal(t, "NATIVE", ops[0].FormatType)
	reqs := d.sim.cluster.RequestsTo("POST /jobs/:jobid/savepoints")
	require.Len(t, reqs, 1)
	assert.Contains(t, string(reqs[0].Body), `"formatType":"NATIVE"`)
	sp := fd.Status.JobStatus.SavepointInfo.LastSavepoint
	assert.Equal(t, "MANUAL", sp.TriggerType)
	assert.Equal(t, "NATIVE", sp.FormatType)
	assert.Equal(t, ops[0].Location, sp.Location)
	assert.Equal(t, []v1beta1.Savepoint{*sp}, fd.Status.JobStatus.SavepointInfo.SavepointHistory)
	assertJobKeptRunning(t, d)
}

// An upgrade that turns NATIVE on takes its own savepoint in the format the
// running job was deployed with; the new format applies from the next
// savepoint on.
func TestSavepointFormatChangedWithAnUpgrade(t *testing.T) {
	d := deployRunning(t, "spswitch", "v1_20", statefulSpec("spswitch", "savepoint", ""))
	updateFD(t, d.sim.ns, "spswitch", func(fd *v1beta1.FlinkDeployment) {
		newImage(fd)
		setConfig(t, "kubernetes.operator.savepoint.format.type", "NATIVE")(fd)
	})
	fd := d.until("upgraded job running", 40, running)
	ops := d.sim.operations()
	require.Len(t, ops, 1)
	assert.True(t, ops[0].Stop)
	assert.Equal(t, "CANONICAL", ops[0].FormatType, "the deployed spec's format")
	assert.Equal(t, "CANONICAL", fd.Status.JobStatus.SavepointInfo.LastSavepoint.FormatType)

	updateFD(t, d.sim.ns, "spswitch", setNonce(1))
	fd = d.until("savepoint of nonce 1 recorded", 20, served(1))
	ops = d.sim.operations()
	require.Len(t, ops, 2)
	assert.Equal(t, "NATIVE", ops[1].FormatType, "the new format from the next savepoint on")
	assert.Equal(t, "NATIVE", fd.Status.JobStatus.SavepointInfo.LastSavepoint.FormatType)
	history := fd.Status.JobStatus.SavepointInfo.SavepointHistory
	require.Len(t, history, 2)
	assert.Equal(t, []string{"CANONICAL", "NATIVE"}, []string{history[0].FormatType, history[1].FormatType})
}

// Flink 1.14 cannot be asked for a format: CANONICAL is recorded and no
// formatType is sent (its strict parser would refuse the request).
func TestSavepointFormatOnFlink114(t *testing.T) {
	doc := strings.NewReplacer("flinkVersion: v1_20", "flinkVersion: v1_14", "image: flink:1.20", "image: flink:1.14").
		Replace(statefulSpec("sp114", "savepoint", "    kubernetes.operator.savepoint.format.type: canonical"))
	d := deployRunning(t, "sp114", "v1_14", doc)
	updateFD(t, d.sim.ns, "sp114", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Image = "flink:1.14.1" })
	fd := d.until("upgraded job running", 40, running)
	ops := d.sim.operations()
	require.Len(t, ops, 1)
	assert.Empty(t, ops[0].FormatType)
	assert.Equal(t, "CANONICAL", fd.Status.JobStatus.SavepointInfo.LastSavepoint.FormatType)
}
