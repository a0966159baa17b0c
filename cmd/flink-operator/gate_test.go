package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseGateFlags(args ...string) (gate.Policy, error) {
	fs := flag.NewFlagSet("flink-operator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var p gate.Policy
	bindGateFlags(fs, &p)
	return p, fs.Parse(args)
}

func TestTakeDownTimeoutFlag(t *testing.T) {
	p, err := parseGateFlags()
	require.NoError(t, err)
	assert.Equal(t, gate.DefaultPolicy.TakeDownTimeout, p.TakeDownTimeout)
	assert.Equal(t, 5*time.Minute, p.TakeDownTimeout)

	p, err = parseGateFlags("--take-down-timeout", "90s")
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, p.TakeDownTimeout)

	for _, bad := range []string{"0", "-1m", "soon"} {
		_, err := parseGateFlags("--take-down-timeout", bad)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "take-down-timeout")
		assert.Contains(t, err.Error(), "want a positive duration")
	}
}
