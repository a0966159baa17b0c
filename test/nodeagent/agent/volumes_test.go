package agent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

func TestWriteItemsEveryKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	require.NoError(t, writeItems(dir, map[string]string{"config.yaml": "a: 1\n", "log4j-console.properties": "x=y\n"}, nil, nil))
	data, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "a: 1\n", string(data))
	assert.Equal(t, os.FileMode(0o644), fileMode(t, filepath.Join(dir, "log4j-console.properties")))
}

func TestWriteItemsPathsAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	data := map[string]string{"a": "A", "b": "B", "unlisted": "U"}
	items := []corev1.KeyToPath{
		{Key: "a", Path: "sub/dir/a.txt", Mode: ptr.To(int32(0o600))},
		{Key: "b", Path: "b.txt"},
	}
	require.NoError(t, writeItems(dir, data, items, nil))

	got, err := os.ReadFile(filepath.Join(dir, "sub", "dir", "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "A", string(got))
	assert.Equal(t, os.FileMode(0o600), fileMode(t, filepath.Join(dir, "sub", "dir", "a.txt")))
	assert.Equal(t, os.FileMode(0o644), fileMode(t, filepath.Join(dir, "b.txt")))
	assert.NoFileExists(t, filepath.Join(dir, "unlisted"), "only the listed items are written")
}

func TestWriteItemsMissingKey(t *testing.T) {
	items := []corev1.KeyToPath{{Key: "nope", Path: "nope"}}
	err := writeItems(filepath.Join(t.TempDir(), "vol"), map[string]string{}, items, nil)
	assert.ErrorContains(t, err, `no key "nope"`)

	dir := filepath.Join(t.TempDir(), "vol")
	require.NoError(t, writeItems(dir, map[string]string{}, items, ptr.To(true)), "optional: a missing key is skipped")
	assert.NoFileExists(t, filepath.Join(dir, "nope"))
}

func TestWriteItemsRefusesPathsOutsideTheVolume(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "vol")
	for _, p := range []string{"../escape", "a/../../escape", "..", "/etc/escape", ""} {
		err := writeItems(dir, map[string]string{"k": "v"}, []corev1.KeyToPath{{Key: "k", Path: p}}, nil)
		assert.ErrorContains(t, err, "want a relative path inside the volume", "path %q", p)
	}
	assert.NoFileExists(t, filepath.Join(base, "escape"))
}
