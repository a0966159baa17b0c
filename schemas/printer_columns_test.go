package schemas_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// What kubectl shows of a FlinkDeployment: the reference's columns, then
// whether the current generation runs, and with -o wide what an on-call
// engineer asks next (docs/health.md).
func TestPrinterColumnsAndCategories(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("crd", crdFile))
	require.NoError(t, err)
	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, yaml.Unmarshal(raw, crd))

	assert.ElementsMatch(t, []string{"flink", "all"}, crd.Spec.Names.Categories, "kubectl get flink")
	require.Len(t, crd.Spec.Versions, 1)
	var normal, wide []string
	paths := map[string]string{}
	for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
		paths[c.Name] = c.JSONPath
		if c.Priority == 0 {
			normal = append(normal, c.Name)
		} else {
			wide = append(wide, c.Name)
		}
	}
	assert.Equal(t, []string{"Job Status", "Lifecycle State", "Upgrade", "Ready", "Age"}, normal)
	assert.Equal(t, []string{"Flink", "Mode", "JobManager", "Last Savepoint", "Error"}, wide)
	assert.Equal(t, `.status.conditions[?(@.type=="Ready")].status`, paths["Ready"])
	assert.Equal(t, ".status.upgrade.summary", paths["Upgrade"])
}
