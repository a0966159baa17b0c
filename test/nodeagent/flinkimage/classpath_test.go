package flinkimage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlinkClassPath(t *testing.T) {
	jars := []string{
		"/l/log4j-api-2.24.3.jar",
		"/l/flink-dist-2.2.1.jar",
		"/l/sub/zz.jar",
		"/l/flink-cep-2.2.1.jar",
		"/l/log4j-1.2-api-2.24.3.jar",
	}
	cp, err := FlinkClassPath(jars, "/l")
	require.NoError(t, err)
	assert.Equal(t, "/l/flink-cep-2.2.1.jar:/l/log4j-1.2-api-2.24.3.jar:/l/log4j-api-2.24.3.jar:/l/sub/zz.jar:/l/flink-dist-2.2.1.jar", cp)
}

func TestFlinkClassPathDistErrors(t *testing.T) {
	_, err := FlinkClassPath([]string{"/l/a.jar"}, "/l")
	assert.ErrorContains(t, err, "Flink distribution jar not found in /l")
	_, err = FlinkClassPath([]string{"/l/flink-dist-1.jar", "/l/x/flink-dist-2.jar"}, "/l")
	assert.ErrorContains(t, err, "Multiple flink-dist*.jar found in /l")
}

func TestFindJarsRecursive(t *testing.T) {
	lib := t.TempDir()
	for _, p := range []string{"a.jar", "b.txt", "x/c.jar", "x/y/d.jar"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(lib, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(lib, p), nil, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(lib, "dir.jar"), 0o755))
	jars, err := FindJars(lib)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		filepath.Join(lib, "a.jar"), filepath.Join(lib, "x/c.jar"), filepath.Join(lib, "x/y/d.jar"),
	}, jars)
}

func TestVersionFromDistJar(t *testing.T) {
	v, err := VersionFromDistJar("/opt/flink/lib/flink-dist-1.20.4.jar")
	require.NoError(t, err)
	assert.Equal(t, Version{1, 20}, v)
	assert.True(t, v.Legacy())
	v, err = VersionFromDistJar("flink-dist-2.2.1.jar")
	require.NoError(t, err)
	assert.Equal(t, Version{2, 2}, v)
	assert.False(t, v.Legacy())
	_, err = VersionFromDistJar("flink-dist.jar")
	assert.Error(t, err)
}
