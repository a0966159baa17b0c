package flinkrest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{
		"v1_13":        {1, 13},
		"v1_20":        {1, 20},
		"v2_2":         {2, 2},
		"v2_4":         {2, 4},
		"2.3.0":        {2, 3},
		"1.20":         {1, 20},
		"1.20.1":       {1, 20},
		"2.1-SNAPSHOT": {2, 1},
	} {
		got, err := ParseVersion(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "v1", "v1_x", "1", "1.2.3.4", "v1_20_1", "latest", "v01_13", "-1.2"} {
		_, err := ParseVersion(bad)
		assert.Error(t, err, bad)
	}
}

func TestVersionOrderingAndGates(t *testing.T) {
	v113, v115, v120, v21 := Version{1, 13}, Version{1, 15}, Version{1, 20}, Version{2, 1}
	assert.Equal(t, -1, v113.Compare(v115))
	assert.Equal(t, 1, v21.Compare(v120))
	assert.Equal(t, 0, v120.Compare(Version{1, 20}))
	assert.Equal(t, "v1_20", v120.String())

	assert.False(t, v113.SupportsTriggerID())
	assert.True(t, v115.SupportsTriggerID())
	assert.False(t, Version{1, 14}.UsesClassNameDiscriminator())
	assert.True(t, v115.UsesClassNameDiscriminator())
	assert.Equal(t, 500, v115.NotReadyStatus())
	assert.Equal(t, 503, Version{1, 16}.NotReadyStatus())
	assert.True(t, v120.HasLegacyExceptionFields())
	assert.False(t, Version{2, 0}.HasLegacyExceptionFields())
	assert.Equal(t, "state.savepoints.dir", Version{1, 19}.SavepointDirKey())
	assert.Equal(t, "execution.checkpointing.savepoint-dir", v120.SavepointDirKey())

	assert.True(t, v113.Supported())
	assert.True(t, Version{2, 2}.Supported())
	assert.False(t, Version{1, 12}.Supported())
	assert.True(t, Version{2, 3}.Supported())
	assert.True(t, Version{2, 4}.Supported())
	assert.False(t, Version{2, 5}.Supported())
	assert.False(t, Version{3, 0}.Supported())
}
