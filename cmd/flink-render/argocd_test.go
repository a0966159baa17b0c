package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// The Argo CD config management plugin of docs/argocd-cmp/plugin.yaml:
// its generate command, exactly as written there, run as the repo server's
// sidecar runs it (in the app folder, the Application's env prefixed
// ARGOCD_ENV_) on a sample app folder, with the built flink-render on PATH.
func TestArgoCDPluginGenerate(t *testing.T) {
	data, err := os.ReadFile("../../docs/argocd-cmp/plugin.yaml")
	require.NoError(t, err)
	var plugin struct {
		Metadata struct{ Name string }
		Spec     struct {
			Generate struct {
				Command []string
				Args    []string
			}
			Discover struct {
				Find struct{ Command []string }
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(data, &plugin))
	assert.Equal(t, "flink-render", plugin.Metadata.Name)
	gen := append(append([]string{}, plugin.Spec.Generate.Command...), plugin.Spec.Generate.Args...)
	require.NotEmpty(t, gen)

	path := builtBinary(t) + string(os.PathListSeparator) + os.Getenv("PATH")
	runIn := func(argv []string, env ...string) (string, string, error) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = "testdata/argocd-app"
		cmd.Env = append([]string{"PATH=" + path}, env...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}

	out, stderr, err := runIn(gen, "ARGOCD_APP_NAMESPACE=analytics")
	require.NoError(t, err, stderr)
	assert.Empty(t, stderr)
	for _, want := range []string{
		"kind: ServiceAccount", "kind: RoleBinding", // passed through
		"name: orders-rest", "kind: Deployment", "namespace: analytics", // rendered, from jobs/
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "kind: FlinkDeployment")

	out, stderr, err = runIn(gen, "ARGOCD_APP_NAMESPACE=analytics", "ARGOCD_ENV_FLINK_RENDER_NAMESPACE=etl")
	require.NoError(t, err, stderr)
	assert.Contains(t, out, "namespace: etl")

	// Discovery finds the folder by its FlinkDeployment.
	found, stderr, err := runIn(plugin.Spec.Discover.Find.Command)
	require.NoError(t, err, stderr)
	assert.Equal(t, "./jobs/orders.yaml", strings.TrimSpace(found))
}
