package versions_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// Every version the API accepts has an entry, and the facts Go reads
// change where the table's citations say they do.
func TestEveryAcceptedVersionHasFacts(t *testing.T) {
	for _, v := range v1beta1.SupportedFlinkVersions {
		_, ok := versions.For(v)
		assert.True(t, ok, "templates/versions has no entry for %s", v)
	}
	_, ok := versions.For("v9_9")
	assert.False(t, ok)
	assert.Len(t, versions.All(), len(v1beta1.SupportedFlinkVersions))
}

func TestFactsGoReads(t *testing.T) {
	for _, tc := range []struct {
		v                              v1beta1.FlinkVersion
		kubernetesHA, formatType       bool
		checkpointsDir, jobGraphPrefix string
	}{
		{"v1_11", false, false, "state.checkpoints.dir", "jobGraph-"},
		{"v1_12", true, false, "state.checkpoints.dir", "jobGraph-"},
		{"v1_15", true, true, "state.checkpoints.dir", "jobGraph-"},
		{"v1_20", true, true, "execution.checkpointing.dir", "jobGraph-"},
		{"v2_0", true, true, "execution.checkpointing.dir", "executionPlan-"},
	} {
		f, ok := versions.For(tc.v)
		require.True(t, ok, tc.v)
		assert.Equal(t, tc.kubernetesHA, f.KubernetesHA, tc.v)
		assert.Equal(t, tc.formatType, f.SavepointFormatType, tc.v)
		assert.Equal(t, tc.checkpointsDir, f.Keys.CheckpointsDir, tc.v)
		assert.Contains(t, f.HAJobGraphKeyPrefixes, tc.jobGraphPrefix, tc.v)
	}
}
