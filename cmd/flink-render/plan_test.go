package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/planner"
)

var update = flag.Bool("update", false, "rewrite testdata/plan/*/expected.txt from the current output")

// Each folder of testdata/plan is a case: base.yaml (or live.yaml, a live
// object planned with --live) and head.yaml, and expected.txt, the text
// plan followed by the exit status. go test ./cmd/flink-render -run
// TestPlanGolden -update rewrites them.
func TestPlanGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "plan", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	seen := map[planner.Change]bool{}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			args := []string{"plan", filepath.Join(dir, "base.yaml"), filepath.Join(dir, "head.yaml")}
			if _, err := os.Stat(filepath.Join(dir, "live.yaml")); err == nil {
				args = []string{"plan", "--live", filepath.Join(dir, "live.yaml"), filepath.Join(dir, "head.yaml")}
			}
			code, out, stderr := runCLI(t, "", args...)
			require.NotEqual(t, 1, code, stderr)
			require.NotEqual(t, 2, code, stderr)
			got := fmt.Sprintf("%sexit %d\n", out, code)
			path := filepath.Join(dir, "expected.txt")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)

			// The JSON plan is the same plan, with the same exit status.
			jcode, jout, stderr := runCLI(t, "", append([]string{"plan", "-o", "json"}, args[1:]...)...)
			assert.Equal(t, code, jcode, stderr)
			var p planner.Plan
			require.NoError(t, json.Unmarshal([]byte(jout), &p))
			for _, r := range p.Resources {
				seen[r.Change] = true
			}
		})
	}
	for _, c := range []planner.Change{planner.ChangeAdded, planner.ChangeRemoved, planner.ChangeNone, planner.ChangeIgnored,
		planner.ChangeScale, planner.ChangeUpgrade, planner.ChangeHeld} {
		assert.True(t, seen[c], "no golden case plans a %q change", c)
	}
}

// git show main:f.yaml | flink-render plan - f.yaml, and flags after the
// files.
func TestPlanReadsStdinAndFlagsAnywhere(t *testing.T) {
	base, err := os.ReadFile("testdata/plan/upgrade-savepoint/base.yaml")
	require.NoError(t, err)
	code, out, stderr := runCLI(t, string(base), "plan", "-", "testdata/plan/upgrade-savepoint/head.yaml", "-o", "json")
	require.Equal(t, planner.ExitRestartWithState, code, stderr)
	var p planner.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	require.Len(t, p.Resources, 1)
	r := p.Resources[0]
	assert.Equal(t, planner.ChangeUpgrade, r.Change)
	assert.Equal(t, planner.StateSavepoint, r.State)
	assert.Equal(t, []string{"spec.image: UPGRADE"}, r.Fields)
	assert.Equal(t, planner.RestartWithState, p.Restart)
}

func TestPlanDirectories(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	copyFile(t, "testdata/plan/upgrade-stateless/base.yaml", filepath.Join(base, "a", "job.yaml"))
	copyFile(t, "testdata/plan/upgrade-stateless/head.yaml", filepath.Join(head, "job.yml"))
	code, out, stderr := runCLI(t, "", "plan", "--no-diff", base, head)
	assert.Equal(t, planner.ExitRestartWithoutState, code, stderr)
	assert.Contains(t, out, "FlinkDeployment default/job: upgrade: restart without state")
}

func TestPlanInvalidInputAndUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata:\n  name: job\nspec:\n  image: flink:1.20\n  flinkVersion: v9_9\n"), 0o644))
	code, _, stderr := runCLI(t, "", "plan", "testdata/plan/none/base.yaml", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, bad+":")

	code, _, _ = runCLI(t, "", "plan", "only-one.yaml")
	assert.Equal(t, 2, code)
	code, _, stderr = runCLI(t, "", "plan", "--live", "testdata/plan/none/base.yaml", "testdata/plan/none/head.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "lastReconciledSpec")
}

// A live object renders as its cluster runs: with the job id and restore
// path of status.deployedWith, the same as --job-id and --restore-path.
func TestRenderLiveObjectUsesStatus(t *testing.T) {
	live := "testdata/plan/live-last-state/live.yaml"
	code, out, stderr := runCLI(t, "", live)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "3f1c7cd2a8d34cc8a8e3b0b8f9a8d1e2")
	assert.Contains(t, out, "s3://bucket/savepoints/savepoint-7")

	code, flags, stderr := runCLI(t, "", "--job-id", "3f1c7cd2a8d34cc8a8e3b0b8f9a8d1e2", "--restore-path", "s3://bucket/savepoints/savepoint-7", "testdata/plan/live-last-state/head.yaml")
	require.Equal(t, 0, code, stderr)
	_, head, _ := runCLI(t, "", "testdata/plan/live-last-state/head.yaml")
	assert.NotEqual(t, head, flags, "the flags change the render")
	assert.Contains(t, flags, "3f1c7cd2a8d34cc8a8e3b0b8f9a8d1e2")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, data, 0o644))
}
