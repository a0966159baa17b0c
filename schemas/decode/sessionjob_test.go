package decode

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/corpus"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const goodSessionJob = `apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: wordcount
spec:
  deploymentName: session
  flinkConfiguration:
    pipeline:
      name: wordcount
  restartNonce: 2
  job:
    jarURI: https://repo.example.com/jobs/wordcount.jar
    entryClass: org.example.WordCount
    args: [--input, s3://in]
    parallelism: 4
    upgradeMode: savepoint
    savepointTriggerNonce: 7
`

func TestResourcesDecodesSessionJobs(t *testing.T) {
	docs, errs := Resources("in.yaml", []byte(good+"---\n"+goodSessionJob))
	require.Empty(t, messages(errs))
	require.Len(t, docs, 2)
	assert.NotNil(t, docs[0].Object)
	assert.Nil(t, docs[0].SessionJob)
	assert.Nil(t, docs[1].Object)
	sj := docs[1].SessionJob
	require.NotNil(t, sj)
	assert.Equal(t, "wordcount", sj.Name)
	assert.Equal(t, "session", sj.Spec.DeploymentName)
	require.NotNil(t, sj.Spec.Job)
	assert.Equal(t, "https://repo.example.com/jobs/wordcount.jar", sj.Spec.Job.JarURI)
	assert.Equal(t, "org.example.WordCount", sj.Spec.Job.EntryClass)
	assert.Equal(t, []string{"--input", "s3://in"}, sj.Spec.Job.Args)
	assert.Equal(t, int32(4), sj.Spec.Job.Parallelism)
	assert.Equal(t, v1beta1.UpgradeModeSavepoint, sj.Spec.Job.UpgradeMode)
	require.NotNil(t, sj.Spec.Job.SavepointTriggerNonce)
	assert.Equal(t, int64(7), *sj.Spec.Job.SavepointTriggerNonce)
	require.NotNil(t, sj.Spec.RestartNonce)
	assert.Equal(t, int64(2), *sj.Spec.RestartNonce)
	require.NotNil(t, sj.Spec.FlinkConfiguration)
	assert.Equal(t, 27, docs[1].LineOf("spec.job.entryClass"), "lines count from the file's start")
}

// File, which flink-render and the operator read, still refuses the kind.
func TestFileStillRefusesSessionJobs(t *testing.T) {
	docs, errs := File("in.yaml", []byte(goodSessionJob))
	require.Len(t, docs, 1)
	assert.Nil(t, docs[0].Object)
	assert.Nil(t, docs[0].SessionJob)
	assert.Equal(t, []string{"in.yaml:2: kind: kind FlinkSessionJob is not supported yet; only FlinkDeployment is"}, messages(errs))
}

func TestSessionJobsAreDecodedStrictly(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"typo": {"apiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\nmetadata: {name: a}\nspec:\n  deploymentname: s\n",
			`in.yaml:5: spec.deploymentname: unknown field; did you mean "deploymentName"?`},
		"a FlinkDeployment field": {"apiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\nmetadata: {name: a}\nspec:\n  image: flink:2.2\n",
			"in.yaml:5: spec.image: unknown field; known fields here: deploymentName, flinkConfiguration, job, restartNonce"},
		"wrong type": {"apiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\nmetadata: {name: a}\nspec:\n  job:\n    parallelism: two\n",
			"in.yaml:6: spec.job.parallelism: cannot use a string here; expected an integer"},
		"configuration not a mapping": {"apiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\nmetadata: {name: a}\nspec:\n  flinkConfiguration: [a]\n",
			"in.yaml:5: spec.flinkConfiguration: cannot use a list here; expected a mapping of Flink configuration keys to values (flat a.b: v or nested a: {b: v})"},
		"version": {"apiVersion: flink.apache.org/v1beta2\nkind: FlinkSessionJob\nmetadata: {name: a}\n",
			`in.yaml:1: apiVersion: "flink.apache.org/v1beta2" is not supported for FlinkSessionJob; use flink.apache.org/v1beta1`},
		"other kind": {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
			"in.yaml:2: kind: kind ConfigMap (v1) is not supported; only FlinkDeployment and FlinkSessionJob (flink.apache.org/v1beta1) are"},
	} {
		t.Run(name, func(t *testing.T) {
			_, errs := Resources("in.yaml", []byte(tc.yaml))
			assert.Equal(t, []string{tc.want}, messages(errs))
		})
	}
}

// TestCorpusSessionJobsDecode: the reference operator's session jobs, and
// the FlinkDeployments beside them, decode strictly and unchanged. Without
// the corpus the test skips on a developer's clone and fails in CI.
func TestCorpusSessionJobsDecode(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	sessionJobs := 0
	for _, file := range corpus.Files(t, root, os.Getenv("CI")) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		docs, errs := Resources(filepath.Base(file), data)
		for _, d := range docs {
			if d.SessionJob == nil {
				continue
			}
			sessionJobs++
			assert.NotEmpty(t, d.SessionJob.Spec.DeploymentName, "%s: %s", file, d.SessionJob.Name)
			if assert.NotNil(t, d.SessionJob.Spec.Job, "%s: %s", file, d.SessionJob.Name) {
				assert.NotEmpty(t, d.SessionJob.Spec.Job.JarURI, "%s: %s", file, d.SessionJob.Name)
			}
		}
		// Other kinds (FlinkStateSnapshot, HorizontalPodAutoscaler) are
		// refused by name; nothing else may go wrong.
		for _, e := range errs {
			assert.Regexp(t, `^[^:]+:\d+: kind: kind \w+ .*not supported( yet)?; only FlinkDeployment and FlinkSessionJob`, e.Error(), file)
			assert.NotRegexp(t, `kind: kind Flink(Deployment|SessionJob) `, e.Error(), file)
		}
	}
	// basic-session-deployment-and-job.yaml (2), basic-session-job-only.yaml
	// and the TLS example's session job.
	assert.GreaterOrEqual(t, sessionJobs, 4)
}

// SessionJobObject decodes an admission request's FlinkSessionJob as
// strictly, with field paths and no file or line.
func TestSessionJobObject(t *testing.T) {
	sj, errs := SessionJobObject([]byte(goodSessionJob))
	require.Empty(t, errs)
	require.NotNil(t, sj)
	assert.Equal(t, "session", sj.Spec.DeploymentName)

	sj, errs = SessionJobObject([]byte(`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkSessionJob","metadata":{"name":"a"},"spec":{"deploymentName":"s","job":{"jarURI":"https://r/j.jar","paralelism":2}}}`))
	require.NotNil(t, sj, "an unknown field leaves the rest decoded")
	assert.Equal(t, []string{`spec.job.paralelism: unknown field; did you mean "parallelism"?`}, messages(errs))

	sj, errs = SessionJobObject([]byte(good))
	assert.Nil(t, sj)
	assert.Equal(t, []string{"expected exactly one FlinkSessionJob object"}, messages(errs))
}
