package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An invalid jarURI is shown without its secrets: the signature of a
// pre-signed URL and the password of its user info never reach the output.
func TestInvalidJarURIIsShownRedacted(t *testing.T) {
	files, err := filepath.Glob("../../schemas/validation/testdata/invalid/jar-uri-presigned-*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 4)
	for _, file := range files {
		code, out, stderr := runCLI(t, "", file)
		assert.Equal(t, 1, code, file)
		assert.Empty(t, out)
		assert.Contains(t, stderr, "spec.job.jarURI: Invalid value", file)
		assert.Contains(t, stderr, "xxxxx", file)
		assert.NotContains(t, stderr, "SECRET", file)
		assert.NotContains(t, stderr, "pass", file)
	}
}
