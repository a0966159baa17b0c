package versions_test

import (
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
	"github.com/flinkops/flink-operator/schemas/versions/internal/cuetable"
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

// TestGoMirrorNamesTableFields checks the Go mirror against the CUE table:
// Decode leaves a Go field at its zero value when its json tag names no
// field of the table, so a renamed or deleted fact would silently read as
// false or "". Every tag must name a field that every version has (the
// optional javaDefaultOpts aside, which Go does not mirror).
func TestGoMirrorNamesTableFields(t *testing.T) {
	table, err := cuetable.Load()
	require.NoError(t, err)
	for _, v := range v1beta1.SupportedFlinkVersions {
		entry := table.LookupPath(cue.MakePath(cue.Str(string(v))))
		require.True(t, entry.Exists(), v)
		for _, path := range jsonPaths(reflect.TypeOf(versions.Facts{}), "") {
			f := entry.LookupPath(cue.ParsePath(path))
			assert.True(t, f.Exists() && f.IsConcrete(), "versions.Facts reads %s, which the table's %s entry does not have", path, v)
		}
	}
}

// jsonPaths lists the CUE paths a struct's json tags name, nested structs
// included.
func jsonPaths(typ reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Type.Kind() == reflect.Struct {
			out = append(out, jsonPaths(f.Type, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

// TestGeneratedTableMatchesTheCUE keeps zz_generated.table.go the CUE
// table's copy: run `make generate` after editing templates/versions.
func TestGeneratedTableMatchesTheCUE(t *testing.T) {
	var fromCUE map[v1beta1.FlinkVersion]versions.Facts
	require.NoError(t, cuetable.Decode(&fromCUE))
	require.Len(t, fromCUE, len(v1beta1.SupportedFlinkVersions))
	for _, v := range v1beta1.SupportedFlinkVersions {
		generated, ok := versions.For(v)
		require.True(t, ok, "zz_generated.table.go has no %s: run make generate", v)
		assert.Equal(t, fromCUE[v], generated, "zz_generated.table.go is stale for %s: run make generate", v)
	}
}
