package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/renderer"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRendersExampleDeterministically(t *testing.T) {
	code, first, stderr := runCLI(t, "", "../../examples/basic.yaml")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.Contains(t, first, "kind: Deployment")
	assert.Contains(t, first, "name: basic-example-rest")
	_, second, _ := runCLI(t, "", "../../examples/basic.yaml")
	assert.Equal(t, first, second)
}

func TestStdinAndNamespaceDefault(t *testing.T) {
	data, err := os.ReadFile("../../examples/basic.yaml")
	require.NoError(t, err)
	noNamespace := strings.Replace(string(data), "  namespace: default\n", "", 1)
	code, out, stderr := runCLI(t, noNamespace, "--namespace", "analytics", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "namespace: analytics")
	assert.NotContains(t, out, "namespace: default")
}

func TestJSONIsAList(t *testing.T) {
	code, out, stderr := runCLI(t, "", "-o", "json", "../../examples/basic.yaml")
	require.Equal(t, 0, code, stderr)
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	assert.Equal(t, "List", list.Kind)
	assert.Len(t, list.Items, 5)
}

func TestOutputDir(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, "", "--output-dir", dir, "../../examples/basic.yaml")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, out)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{
		".flink-render",
		"default_configmap_flink-config-basic-example.yaml",
		"default_configmap_pod-template-basic-example.yaml",
		"default_service_basic-example.yaml",
		"default_service_basic-example-rest.yaml",
		"default_deployment_basic-example.yaml",
	}, names)
	dep, err := os.ReadFile(filepath.Join(dir, "default_deployment_basic-example.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(dep), "kind: Deployment")
}

func TestInvalidInputExitsOneWithEveryError(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(`apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: bad
spec:
  image: flink:1.20
  flinkVersion: v1_99
  serviceAccount: flink
  jobmanager: {}
`), 0o644))
	code, out, stderr := runCLI(t, "", "../../examples/basic.yaml", bad)
	assert.Equal(t, 1, code)
	assert.Empty(t, out, "no partial output when any input is invalid")
	assert.Contains(t, stderr, bad+`:7: spec.flinkVersion: Unsupported value: "v1_99": supported values: "v1_13"`)
	assert.Contains(t, stderr, bad+`:9: spec.jobmanager: unknown field; did you mean "jobManager"?`)
	assert.NotContains(t, stderr, "panic")
}

func TestUsage(t *testing.T) {
	code, _, stderr := runCLI(t, "")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: flink-render")
	code, _, _ = runCLI(t, "", "-o", "xml", "../../examples/basic.yaml")
	assert.Equal(t, 2, code)
	code, _, _ = runCLI(t, "", "--no-such-flag")
	assert.Equal(t, 2, code)
	code, out, _ := runCLI(t, "", "--version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "flink-render "))
}

func TestMissingFile(t *testing.T) {
	code, _, stderr := runCLI(t, "", "does-not-exist.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "does-not-exist.yaml")
}

func TestFetchedJarFlags(t *testing.T) {
	data, err := os.ReadFile("../../examples/basic.yaml")
	require.NoError(t, err)
	remote := func(uri string) string {
		return strings.Replace(string(data), "local:///opt/flink/examples/streaming/StateMachineExample.jar", uri, 1)
	}

	code, out, stderr := runCLI(t, remote("https://repo.example.com/jobs/state-machine.jar"), "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "name: fetch-artifacts")
	assert.Contains(t, out, "image: "+renderer.DefaultFetcherImage)
	assert.Contains(t, out, "pipeline.jars: local:///opt/flink/usrlib/state-machine.jar")

	code, out, stderr = runCLI(t, remote("https://repo.example.com/jobs/state-machine.jar"), "--fetcher-image", "registry.example/ops/flink-fetch:1.0", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "image: registry.example/ops/flink-fetch:1.0")

	code, out, stderr = runCLI(t, remote("http://repo.internal/state-machine.jar"), "-")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, `spec.job.jarURI: Invalid value: "http://repo.internal/state-machine.jar"`)
	assert.Contains(t, stderr, "--allow-http-artifacts")

	code, out, stderr = runCLI(t, remote("http://repo.internal/state-machine.jar"), "--allow-http-artifacts", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "- --allow-http")
}

// A setting the operator would not carry out is a warning on stderr, not
// an error: the objects are printed and the exit code is 0.
func TestUnsupportedSettingIsAWarning(t *testing.T) {
	data, err := os.ReadFile("../../examples/basic.yaml")
	require.NoError(t, err)
	doc := strings.Replace(string(data), "  flinkConfiguration:\n", "  flinkConfiguration:\n    job.autoscaler.enabled: \"true\"\n", 1)
	require.NotEqual(t, string(data), doc, "examples/basic.yaml has no flinkConfiguration to add to")
	code, out, stderr := runCLI(t, doc, "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "kind: Deployment")
	assert.Regexp(t, `^warning: -:\d+: spec.flinkConfiguration\[job.autoscaler.enabled\]: the job autoscaler is not supported`, stderr)
}

// --output-dir owns its folder: the file of an object that went away does
// not stay behind, and a folder flink-render did not write is refused.
func TestOutputDirReplacesStaleFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	two := basicDeployment(t, "one", "default") + "---\n" + basicDeployment(t, "two", "default")
	code, _, stderr := runCLI(t, two, "--output-dir", dir, "-")
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(dir, "default_deployment_two.yaml"))

	code, _, stderr = runCLI(t, basicDeployment(t, "one", "default"), "--output-dir", dir, "-")
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(dir, "default_deployment_one.yaml"))
	assert.NoFileExists(t, filepath.Join(dir, "default_deployment_two.yaml"), "stale file left behind")
	assert.NoFileExists(t, filepath.Join(dir, "default_service_two-rest.yaml"), "stale file left behind")
	siblings, err := os.ReadDir(filepath.Dir(dir))
	require.NoError(t, err)
	assert.Len(t, siblings, 1, "no temporary folder left over")

	// A failed run leaves the previous output as it was.
	code, _, _ = runCLI(t, "kind: nothing\n", "--output-dir", dir, "-")
	assert.Equal(t, 1, code)
	assert.FileExists(t, filepath.Join(dir, "default_deployment_one.yaml"))

	mine := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mine, "kustomization.yaml"), []byte("resources: []\n"), 0o644))
	code, _, stderr = runCLI(t, basicDeployment(t, "one", "default"), "--output-dir", mine, "-")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "holds files flink-render did not write")
	assert.FileExists(t, filepath.Join(mine, "kustomization.yaml"))
}

// --artifact-schemes narrows the remote jar schemes as the operator's flag
// does: a refused scheme is invalid input (exit 1) naming the flag, and a
// scheme the operator does not fetch is a usage error.
func TestArtifactSchemesFlag(t *testing.T) {
	data, err := os.ReadFile("../../examples/basic.yaml")
	require.NoError(t, err)
	remote := func(uri string) string {
		return strings.Replace(string(data), "local:///opt/flink/examples/streaming/StateMachineExample.jar", uri, 1)
	}
	code, _, stderr := runCLI(t, remote("s3://jobs/state-machine.jar"), "--artifact-schemes", "https", "-")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "s3:// is not allowed by this operator (--artifact-schemes)")
	code, _, stderr = runCLI(t, remote("s3://jobs/state-machine.jar"), "--artifact-schemes", "https,s3", "-")
	assert.Equal(t, 0, code, stderr)
	code, _, stderr = runCLI(t, remote("s3://jobs/state-machine.jar"), "--artifact-schemes", "ftp", "-")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "ftp: not a scheme the operator fetches")
}

// --artifact-mirror fetches a remote jar from a mirror, as the operator's
// flag does: the init container gets the mirrored URI; a mirror the other
// flags refuse is a usage error.
func TestArtifactMirrorFlag(t *testing.T) {
	data, err := os.ReadFile("../../examples/basic.yaml")
	require.NoError(t, err)
	input := strings.Replace(string(data), "local:///opt/flink/examples/streaming/StateMachineExample.jar",
		"https://repo1.maven.org/maven2/org/example/job/1.0/job-1.0.jar", 1)
	code, stdout, stderr := runCLI(t, input, "--artifact-mirror", "https://repo1.maven.org/maven2/=https://nexus.example.com/central/", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "https://nexus.example.com/central/org/example/job/1.0/job-1.0.jar")
	assert.NotContains(t, stdout, "repo1.maven.org")
	// The submission of a session job says where its jar is fetched from.
	sessionJob := `apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata: {name: orders}
spec:
  deploymentName: session
  job: {jarURI: "https://repo1.maven.org/maven2/org/example/job/1.0/job-1.0.jar", parallelism: 2}
`
	code, stdout, stderr = runCLI(t, sessionJob, "--artifact-mirror", "https://repo1.maven.org/maven2/=https://nexus.example.com/central/", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "# jarURI: https://repo1.maven.org/maven2/org/example/job/1.0/job-1.0.jar\n")
	assert.Contains(t, stdout, "# fetchedFrom: https://nexus.example.com/central/org/example/job/1.0/job-1.0.jar\n")
	// A live object renders with the mirror too.
	live := input + "status:\n  deployedWith: {jobId: 0123456789abcdef0123456789abcdef}\n"
	code, stdout, stderr = runCLI(t, live, "--artifact-mirror", "https://repo1.maven.org/maven2/=https://nexus.example.com/central/", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "https://nexus.example.com/central/org/example/job/1.0/job-1.0.jar")

	code, _, stderr = runCLI(t, input, "--artifact-mirror", "https://repo1.maven.org/maven2/=http://nexus.example.com/central/", "-")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "needs --allow-http-artifacts")
	code, _, stderr = runCLI(t, input, "--artifact-mirror", "repo1", "-")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "want FROM=TO")
}
