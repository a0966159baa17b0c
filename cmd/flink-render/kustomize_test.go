package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// resourceList is a ResourceList as kustomize and kpt send it.
func resourceList(t *testing.T, functionConfig string, items ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if functionConfig != "" {
		b.WriteString("functionConfig:\n" + indent(functionConfig, 2))
	}
	b.WriteString("items:\n")
	for _, it := range items {
		b.WriteString("- " + strings.TrimPrefix(indent(it, 2), "  "))
	}
	return b.String()
}

func readResourceList(t *testing.T, out string) (items []*kyaml.RNode, results string) {
	t.Helper()
	rl, err := kyaml.Parse(out)
	require.NoError(t, err, out)
	elems, err := rl.Pipe(kyaml.Lookup("items"))
	require.NoError(t, err)
	if elems != nil {
		items, err = elems.Elements()
		require.NoError(t, err)
	}
	if r := rl.Field("results"); r != nil {
		results = r.Value.MustString()
	}
	return items, results
}

func kindsAndNames(items []*kyaml.RNode) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.GetKind()+"/"+it.GetNamespace()+"/"+it.GetName())
	}
	return out
}

// The ResourceList round trip, in process: a transformer keeps every item
// and adds the FlinkDeployment's objects, with paths next to it.
func TestFnTransformer(t *testing.T) {
	fd := strings.Replace(basicDeployment(t, "job", "analytics"), "metadata:\n", "metadata:\n  annotations:\n    internal.config.kubernetes.io/path: deploy/job.yaml\n", 1)
	in := resourceList(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  fetcherImage: registry.example/fetch:1\n",
		"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: flink\n  namespace: analytics\n", fd, sessionJob)
	code, out, stderr := runCLI(t, in, "fn")
	require.Equal(t, 0, code, stderr)
	items, results := readResourceList(t, out)
	assert.Equal(t, []string{
		"ServiceAccount/analytics/flink", "FlinkDeployment/analytics/job", "FlinkSessionJob/analytics/wordcount",
		"ConfigMap/analytics/flink-config-job", "ConfigMap/analytics/pod-template-job",
		"Service/analytics/job", "Service/analytics/job-rest", "Deployment/analytics/job",
	}, kindsAndNames(items))
	assert.Equal(t, "deploy/analytics_deployment_job.yaml", items[7].GetAnnotations()["internal.config.kubernetes.io/path"])
	assert.Empty(t, results)

	// Run again on its own output (kpt fn render does, on every render):
	// the objects are replaced, not doubled.
	code, again, stderr := runCLI(t, out, "fn")
	require.Equal(t, 0, code, stderr)
	items2, _ := readResourceList(t, again)
	assert.Equal(t, kindsAndNames(items), kindsAndNames(items2))

	// removeFlinkDeployments: the rendered objects in place of the
	// FlinkDeployment.
	in = resourceList(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  removeFlinkDeployments: \"true\"\n", fd)
	code, out, stderr = runCLI(t, in, "fn")
	require.Equal(t, 0, code, stderr)
	items, _ = readResourceList(t, out)
	assert.NotContains(t, kindsAndNames(items), "FlinkDeployment/analytics/job")
	assert.Contains(t, kindsAndNames(items), "Deployment/analytics/job")
}

// An invalid FlinkDeployment fails the function with a result that
// locates the problem, and no objects are added.
func TestFnInvalidInput(t *testing.T) {
	bad := strings.Replace(basicDeployment(t, "job", "analytics"), "flinkVersion: v1_20", "flinkVersion: v1_99", 1)
	code, out, stderr := runCLI(t, resourceList(t, "", bad), "fn")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `spec.flinkVersion: Unsupported value: "v1_99"`)
	items, results := readResourceList(t, out)
	assert.Equal(t, []string{"FlinkDeployment/analytics/job"}, kindsAndNames(items))
	assert.Contains(t, results, "severity: error")
	assert.Contains(t, results, "path: spec.flinkVersion")

	code, _, stderr = runCLI(t, resourceList(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  nameSpace: x\n", bad), "fn")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "functionConfig ConfigMap/cfg data.nameSpace: unknown key")
}

// kustomize build of examples/kustomize and examples/kustomize/generator
// through the kustomize API, which runs flink-render fn as an exec
// function: the built binary, found on PATH as the examples name it.
func TestKustomizeExamples(t *testing.T) {
	t.Setenv("PATH", builtBinary(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	k := krusty.MakeKustomizer(opts)

	for dir, want := range map[string][]string{
		"../../examples/kustomize": {
			"ServiceAccount/analytics/flink", "FlinkDeployment/analytics/job", "ConfigMap/analytics/flink-config-job",
			"ConfigMap/analytics/pod-template-job", "Service/analytics/job", "Service/analytics/job-rest", "Deployment/analytics/job",
		},
		"../../examples/kustomize/generator": {
			"ConfigMap/analytics/flink-config-job", "ConfigMap/analytics/pod-template-job",
			"Service/analytics/job", "Service/analytics/job-rest", "Deployment/analytics/job",
		},
	} {
		t.Run(dir, func(t *testing.T) {
			m, err := k.Run(filesys.MakeFsOnDisk(), dir)
			require.NoError(t, err)
			out, err := m.AsYaml()
			require.NoError(t, err)
			var got []string
			for _, r := range m.Resources() {
				got = append(got, r.GetKind()+"/"+r.GetNamespace()+"/"+r.GetName())
			}
			assert.ElementsMatch(t, want, got)
			assert.NotContains(t, string(out), "config.kubernetes.io", "no function or path annotation leaks into the output")
			assert.Contains(t, string(out), "kubernetes.namespace: analytics")
		})
	}
}
