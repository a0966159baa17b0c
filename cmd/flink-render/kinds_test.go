package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// basicDeployment is examples/basic.yaml with name and namespace replaced,
// without its comment.
func basicDeployment(t *testing.T, name, namespace string) string {
	t.Helper()
	data, err := os.ReadFile("../../examples/basic.yaml")
	require.NoError(t, err)
	doc := string(data)
	doc = doc[strings.Index(doc, "apiVersion:"):]
	doc = strings.Replace(doc, "name: basic-example", "name: "+name, 1)
	return strings.Replace(doc, "namespace: default", "namespace: "+namespace, 1)
}

const otherKinds = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: flink
  namespace: analytics
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: analytics
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 3
`

const sessionJob = `apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: wordcount
  namespace: analytics
spec:
  deploymentName: session
  job:
    jarURI: https://repo.example.com/wordcount.jar
`

const stateSnapshot = `apiVersion: flink.apache.org/v1beta1
kind: FlinkStateSnapshot
metadata:
  name: snap
  namespace: analytics
spec:
  savepoint: {}
`

// indent indents every line of s by n spaces, for a kind: List item.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+pad) + "\n"
}

// What kustomize build or an Argo CD app folder holds: other kinds pass
// through, a kind: List is flattened (its FlinkDeployment rendered), a
// FlinkSessionJob prints its submission, as a comment document after the
// objects, and a FlinkStateSnapshot passes through with a note.
func TestOtherKindsPassThrough(t *testing.T) {
	item := basicDeployment(t, "listed", "analytics")
	listedJob := strings.Replace(sessionJob, "name: wordcount", "name: listed-job", 1)
	input := otherKinds + "---\n" + basicDeployment(t, "job", "analytics") + "---\n" + sessionJob + "---\n" + stateSnapshot +
		"---\napiVersion: v1\nkind: List\nitems:\n- " + strings.TrimPrefix(indent(item, 2), "  ") +
		"- " + strings.TrimPrefix(indent(listedJob, 2), "  ") +
		"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: extra\n    namespace: analytics\n  data:\n    a: b\n"
	code, out, stderr := runCLI(t, input, "-")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "note: -:54: FlinkStateSnapshot/analytics/snap: flink-operator does not handle kind FlinkStateSnapshot yet (only FlinkDeployment and FlinkSessionJob) - passed through unchanged\n", stderr)
	for _, want := range []string{
		"kind: ServiceAccount", "kind: HorizontalPodAutoscaler", "maxReplicas: 3", "kind: FlinkStateSnapshot",
		"name: extra", "name: job-rest", "name: listed-rest",
		"# FlinkSessionJob analytics/wordcount\n", "# FlinkSessionJob analytics/listed-job\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "kind: List")
	assert.NotContains(t, out, "kind: FlinkDeployment")
	assert.NotContains(t, out, "kind: FlinkSessionJob")
	// Other objects first, in the order written, then the rendered ones,
	// then the submissions.
	assert.Less(t, strings.Index(out, "kind: ServiceAccount"), strings.Index(out, "kind: HorizontalPodAutoscaler"))
	assert.Less(t, strings.Index(out, "name: extra"), strings.Index(out, "name: job-rest"))
	assert.Less(t, strings.Index(out, "name: listed-rest"), strings.Index(out, "# FlinkSessionJob analytics/wordcount"))
	assert.Less(t, strings.Index(out, "# FlinkSessionJob analytics/wordcount"), strings.Index(out, "# FlinkSessionJob analytics/listed-job"))

	// --strict-kinds refuses them, as flink-render always did.
	code, out, stderr = runCLI(t, input, "--strict-kinds", "-")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "-:2: kind: kind ServiceAccount (v1) is not supported")
	assert.Contains(t, stderr, "kind FlinkSessionJob is not supported yet")
}

// An invalid FlinkSessionJob fails the render at its lines, around the
// documents taken out and inside a kind: List.
func TestSessionJobErrorLines(t *testing.T) {
	bad := strings.Replace(sessionJob, "jarURI: https://repo.example.com/wordcount.jar", "jarURI: local:///job.jar\n    parallelizm: 2", 1)
	input := otherKinds + "---\n" + basicDeployment(t, "job", "analytics") + "---\n" + bad
	code, out, stderr := runCLI(t, input, "-")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	first := strings.Count(otherKinds, "\n") + 1 + strings.Count(basicDeployment(t, "job", "analytics"), "\n") + 1
	assert.Equal(t, "-:"+itoa(first+9)+`: spec.job.jarURI: Invalid value: "local:///job.jar": a local:// or file:// jar lies in an application cluster's image, and a session's JobManager has none; allowed: https://, s3://, gs://`+"\n"+
		"-:"+itoa(first+10)+`: spec.job.parallelizm: unknown field; did you mean "parallelism"?`+"\n", stderr)

	listed := "apiVersion: v1\nkind: List\nitems:\n- " + strings.TrimPrefix(indent(bad, 2), "  ")
	code, _, stderr = runCLI(t, otherKinds+"---\n"+listed, "-")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "-:"+itoa(strings.Count(otherKinds, "\n")+2+3+8)+": spec.job.jarURI: Invalid value")
}

// Errors keep pointing at the lines of the input, around the documents
// taken out and inside a kind: List.
func TestOtherKindsKeepErrorLines(t *testing.T) {
	bad := strings.Replace(basicDeployment(t, "job", "analytics"), "flinkVersion: v1_20", "flinkVersion: v1_99", 1)
	input := otherKinds + "---\n" + bad
	code, _, stderr := runCLI(t, input, "-")
	assert.Equal(t, 1, code)
	line := strings.Count(otherKinds, "\n") + 2 + 7 // the separator, then flinkVersion is the 8th line
	assert.Contains(t, stderr, "-:"+itoa(line)+`: spec.flinkVersion: Unsupported value: "v1_99"`)

	listed := "apiVersion: v1\nkind: List\nitems:\n- " + strings.TrimPrefix(indent(bad, 2), "  ")
	code, _, stderr = runCLI(t, otherKinds+"---\n"+listed, "-")
	assert.Equal(t, 1, code)
	line = strings.Count(otherKinds, "\n") + 2 + 3 + 7
	assert.Contains(t, stderr, "-:"+itoa(line)+`: spec.flinkVersion: Unsupported value: "v1_99"`)

	// A kind of flink.apache.org that does not exist is still an error:
	// a typo must not pass through.
	code, _, stderr = runCLI(t, strings.Replace(basicDeployment(t, "job", "x"), "kind: FlinkDeployment", "kind: FlinkDeploymnet", 1), "-")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "kind FlinkDeploymnet (flink.apache.org/v1beta1) is not supported")
}

// plan ignores other kinds: a kustomize build output plans as its
// FlinkDeployments do.
func TestPlanIgnoresOtherKinds(t *testing.T) {
	dir := t.TempDir()
	base := basicDeployment(t, "job", "analytics")
	head := strings.Replace(base, "image: flink:1.20", "image: flink:1.20.1", 1)
	write := func(name, s string) string {
		p := dir + "/" + name
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	code, out, stderr := runCLI(t, "", "plan", "--no-diff",
		write("base.yaml", otherKinds+"---\n"+base+"---\n"+sessionJob), write("head.yaml", otherKinds+"---\n"+head))
	assert.Equal(t, 4, code, stderr) // stateless: restart without state
	assert.Contains(t, out, "FlinkDeployment analytics/job: upgrade: restart without state")
	assert.Contains(t, out, "FlinkSessionJob analytics/wordcount: deleted: the operator cancels the job, without a savepoint, then deletes its jar")
	assert.NotContains(t, stderr, "FlinkSessionJob")

	code, _, stderr = runCLI(t, "", "plan", "--no-diff",
		write("base2.yaml", otherKinds+"---\n"+base+"---\n"+stateSnapshot), write("head2.yaml", otherKinds+"---\n"+base))
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "FlinkStateSnapshot/analytics/snap: flink-operator does not handle kind FlinkStateSnapshot yet (only FlinkDeployment and FlinkSessionJob) - not planned")
}

func itoa(i int) string { return strconv.Itoa(i) }
