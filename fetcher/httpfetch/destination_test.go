package httpfetch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A body that arrives whole after the fetch's deadline (an HTTP response to
// a request already cancelled) is not put in place: the timeout bounds the
// fetch up to the rename.
func TestNothingIsRenamedAfterTheDeadline(t *testing.T) {
	dest := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dest, "job.jar"), []byte("previous"), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := WriteAtomically(ctx, dest, "job.jar", strings.NewReader(""), 1024, "")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"job.jar"}, filesIn(t, dest), "no part file left")
	previous, err := os.ReadFile(filepath.Join(dest, "job.jar"))
	require.NoError(t, err)
	assert.Equal(t, "previous", string(previous))
}
