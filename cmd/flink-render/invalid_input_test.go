package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryInvalidCaseThroughTheCLI runs flink-render once over every case
// of schemas/validation/testdata/invalid (see its README): it must exit 1,
// print nothing on standard output, and print exactly the listed errors of
// every file, each as FILE:LINE: path: message, in the order of the files.
// --strict-kinds: unsupported-kind-session-job.yaml is a refusal there,
// and only a note (TestOtherKindsPassThrough) without it.
func TestEveryInvalidCaseThroughTheCLI(t *testing.T) {
	files, err := filepath.Glob("../../schemas/validation/testdata/invalid/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 60)
	var want []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "# want: "); ok {
				want = append(want, file+":"+rest)
			}
		}
	}
	code, out, stderr := runCLI(t, "", append([]string{"--strict-kinds"}, files...)...)
	assert.Equal(t, 1, code)
	assert.Empty(t, out, "no output when any input is invalid")
	assert.Equal(t, want, strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"))
	assert.NotContains(t, stderr, "goroutine", "no stack trace")
}
