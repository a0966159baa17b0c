package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/planner"
)

// Each folder of testdata/render is a case: input.yaml, and expected.txt,
// what flink-render prints for it (standard output, then standard error
// after "--- stderr", then the exit status). go test ./cmd/flink-render
// -run TestRenderGolden -update rewrites them.
func TestRenderGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "render", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			input := filepath.Join(dir, "input.yaml")
			code, out, stderr := runCLI(t, "", input)
			got := fmt.Sprintf("%s--- stderr\n%sexit %d\n", out, stderr, code)
			path := filepath.Join(dir, "expected.txt")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
			if code != 0 {
				return
			}
			// --output json: the same submissions, as the List's
			// jobSubmissions.
			jcode, jout, stderr := runCLI(t, "", "-o", "json", input)
			require.Equal(t, 0, jcode, stderr)
			var list struct {
				Items          []map[string]any     `json:"items"`
				JobSubmissions []planner.Submission `json:"jobSubmissions"`
			}
			require.NoError(t, json.Unmarshal([]byte(jout), &list))
			assert.Equal(t, submissionsOf(t, out), list.JobSubmissions)
		})
	}
}

// submissionsOf reads the submissions back from the comment documents of
// flink-render's YAML.
func submissionsOf(t *testing.T, out string) []planner.Submission {
	t.Helper()
	var subs []planner.Submission
	for _, doc := range strings.Split(out, "---\n") {
		if !strings.HasPrefix(doc, "# FlinkSessionJob ") {
			continue
		}
		var body strings.Builder
		for i, l := range strings.Split(strings.TrimSuffix(doc, "\n"), "\n") {
			require.True(t, strings.HasPrefix(l, "#"), "every line of a submission is a comment: %q", l)
			if i >= 3 { // the header: kind, JobSubmission, and what it is
				body.WriteString(strings.TrimPrefix(strings.TrimPrefix(l, "#"), " ") + "\n")
			}
		}
		var s planner.Submission
		require.NoError(t, sigsyaml.UnmarshalStrict([]byte(body.String()), &s), body.String())
		subs = append(subs, s)
	}
	return subs
}

// flink-render FILE | kubectl diff -f - keeps working with session jobs:
// every document kubectl reads is an object, and the submissions are
// comment documents, which it skips.
func TestSessionJobOutputHasOnlyObjects(t *testing.T) {
	code, out, stderr := runCLI(t, "", "testdata/render/sessionjob-on-session/input.yaml")
	require.Equal(t, 0, code, stderr)
	var submissions int
	for _, doc := range strings.Split(strings.TrimPrefix(out, "---\n"), "---\n") {
		var obj map[string]any
		require.NoError(t, sigsyaml.Unmarshal([]byte(doc), &obj))
		if obj == nil {
			submissions++
			continue
		}
		assert.NotEmpty(t, obj["apiVersion"])
		assert.NotEmpty(t, obj["kind"])
		assert.NotEqual(t, "FlinkSessionJob", obj["kind"])
	}
	assert.Equal(t, 2, submissions)
}

// --output-dir writes each submission as a comment file beside the
// objects, in either format; --restore-path is what the job restores from.
func TestSessionJobOutputDirAndRestorePath(t *testing.T) {
	for _, format := range []string{"yaml", "json"} {
		dir := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI(t, "", "--output-dir", dir, "-o", format, "testdata/render/sessionjob-first/input.yaml")
		require.Equal(t, 0, code, stderr)
		data, err := os.ReadFile(filepath.Join(dir, "analytics_flinksessionjob_wordcount.yaml"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(data), "---\n# FlinkSessionJob analytics/wordcount\n"))
		assert.Len(t, submissionsOf(t, string(data)), 1)
	}
	code, out, stderr := runCLI(t, "", "--restore-path", "s3://bucket/checkpoints/chk-9", "testdata/render/sessionjob-first/input.yaml")
	require.Equal(t, 0, code, stderr)
	subs := submissionsOf(t, out)
	require.Len(t, subs, 1)
	assert.Equal(t, "s3://bucket/checkpoints/chk-9", subs[0].RestorePath)
}

// plan refuses an invalid session job, at its lines, as flink-render does,
// and one aimed at an application cluster of HEAD; --live needs a status.
func TestPlanInvalidSessionJob(t *testing.T) {
	code, out, stderr := runCLI(t, "", "plan", "testdata/plan/sessionjob-none/base.yaml", "testdata/render/sessionjob-invalid/input.yaml")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "testdata/render/sessionjob-invalid/input.yaml:9: spec.job.jarURI: Invalid value")

	code, _, stderr = runCLI(t, "", "plan", "testdata/render/sessionjob-old-session/input.yaml", "testdata/render/sessionjob-old-session/input.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "testdata/render/sessionjob-old-session/input.yaml:52: spec.deploymentName: FlinkDeployment default/application has spec.job")
	assert.Contains(t, stderr, "testdata/render/sessionjob-old-session/input.yaml:24: spec.flinkConfiguration: session default/old-session runs Flink v1_16")

	code, _, stderr = runCLI(t, "", "plan", "--live", "testdata/plan/sessionjob-none/base.yaml", "testdata/plan/sessionjob-none/head.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "FlinkSessionJob default/job has no status.reconciliationStatus.lastReconciledSpec")
}
