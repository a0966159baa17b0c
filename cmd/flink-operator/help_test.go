package main

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --help prints the usage, examples and flags to stdout and is not a
// failure (main exits 0 on flag.ErrHelp); a mistake says how to get help.
func TestHelpOnStdout(t *testing.T) {
	var out bytes.Buffer
	helpOutput = &out
	t.Cleanup(func() { helpOutput = os.Stdout })
	for _, arg := range []string{"--help", "-h"} {
		out.Reset()
		err := run([]string{arg})
		require.ErrorIs(t, err, flag.ErrHelp)
		assert.Contains(t, out.String(), "usage: flink-operator")
		assert.Contains(t, out.String(), "Examples:")
		assert.Contains(t, out.String(), "-watch-namespaces")
		assert.Contains(t, out.String(), "-savepoint-timeout", "the gate's flags too")
	}
	out.Reset()
	err := run([]string{"--no-such-flag"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, err.Error(), "run 'flink-operator --help' for usage")
	assert.Empty(t, out.String())
}
