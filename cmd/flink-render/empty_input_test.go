package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An empty file used to exit 0 and print nothing (issue 16).
func TestEmptyFileIsAnErrorNamingIt(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	code, out, stderr := runCLI(t, "", empty)
	assert.NotEqual(t, 0, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, empty+": holds no FlinkDeployment: the input is empty or only comments")
}
