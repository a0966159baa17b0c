package fetcher

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jar is test content: deterministic, and not all one byte, so a shifted
// or truncated copy does not compare equal by accident.
func jar(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// filesIn lists a folder, including hidden (part) files.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// assertFetched checks the file, its content, its mode and that nothing
// else was left in the folder.
func assertFetched(t *testing.T, res *Result, dest, name string, content []byte) {
	t.Helper()
	require.NotNil(t, res)
	assert.Equal(t, dest+"/"+name, res.Path)
	assert.Equal(t, int64(len(content)), res.Bytes)
	assert.Equal(t, sha(content), res.SHA256)
	got, err := os.ReadFile(res.Path)
	require.NoError(t, err)
	assert.True(t, string(got) == string(content), "content differs: %d bytes written, %d served", len(got), len(content))
	info, err := os.Stat(res.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "Flink may run as another user")
	assert.Equal(t, []string{name}, filesIn(t, dest))
}

// fetchError checks that err is an *Error naming want (the URI as shown)
// and returns its message.
func fetchError(t *testing.T, err error, want string) string {
	t.Helper()
	var fe *Error
	require.True(t, errors.As(err, &fe), "want a *fetcher.Error, got %T: %v", err, err)
	assert.Equal(t, want, fe.URI)
	return err.Error()
}
