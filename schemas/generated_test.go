// Tests that keep generated and hand-kept copies of the API in step.
package schemas_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	flinkoperator "github.com/flinkops/flink-operator"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const (
	controllerGenModule = "sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0"
	crdFile             = "flink.apache.org_flinkdeployments.yaml"
	// sessionJobCRDFile is generated too, and copied to the chart's
	// files/, not crds/ (TestChartLeavesOutTheSessionJobCRD).
	sessionJobCRDFile = "flink.apache.org_flinksessionjobs.yaml"
)

// controllerGen runs the pinned controller-gen: the binary `make test`
// builds into the tools cache, or `go run` of the same version.
func controllerGen(t *testing.T, args ...string) {
	t.Helper()
	var cmd *exec.Cmd
	if bin := os.Getenv("CONTROLLER_GEN"); bin != "" {
		cmd = exec.Command(bin, args...)
	} else {
		cmd = exec.Command("go", append([]string{"run", controllerGenModule}, args...)...)
		cmd.Env = append(os.Environ(), "GOFLAGS=")
	}
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "controller-gen %v: %s", args, out)
}

// TestGeneratedFilesAreCurrent fails when the Go types changed without
// `make generate`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	dir := t.TempDir()
	controllerGen(t, "object:headerFile=hack/boilerplate.go.txt", "paths=./schemas/v1beta1/...", "output:object:dir="+dir)
	controllerGen(t, "crd:allowDangerousTypes=true", "paths=./schemas/v1beta1/...", "output:crd:dir="+dir)
	for generated, committed := range map[string]string{
		"zz_generated.deepcopy.go": "v1beta1/zz_generated.deepcopy.go",
		crdFile:                    "crd/" + crdFile,
		sessionJobCRDFile:          "crd/" + sessionJobCRDFile,
	} {
		want, err := os.ReadFile(filepath.Join(dir, generated))
		require.NoError(t, err)
		got, err := os.ReadFile(committed)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "schemas/%s is stale: run make generate", committed)
	}
}

// TestChartCRDIsTheGeneratedOne keeps the chart's copies of the CRDs in
// step with schemas/crd: the FlinkDeployment CRD in crds/, and the
// FlinkSessionJob CRD in files/, which the chart installs from a template
// only with sessionJobs.enabled.
func TestChartCRDIsTheGeneratedOne(t *testing.T) {
	for _, copy := range []string{"crds/" + crdFile, "files/" + sessionJobCRDFile} {
		generated, err := os.ReadFile("crd/" + filepath.Base(copy))
		require.NoError(t, err)
		chart, err := os.ReadFile("../charts/flink-operator/" + copy)
		require.NoError(t, err)
		assert.Equal(t, string(generated), string(chart), "charts/flink-operator/%s differs from schemas/crd: run make generate", copy)
	}
}

// TestCRDMatchesReferenceShape checks what tooling and kubectl users rely on.
func TestCRDMatchesReferenceShape(t *testing.T) {
	raw, err := os.ReadFile("crd/" + crdFile)
	require.NoError(t, err)
	var crd struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind       string   `json:"kind"`
				Plural     string   `json:"plural"`
				ShortNames []string `json:"shortNames"`
			} `json:"names"`
			Versions []struct {
				Name                     string `json:"name"`
				AdditionalPrinterColumns []struct {
					Name     string `json:"name"`
					JSONPath string `json:"jsonPath"`
				} `json:"additionalPrinterColumns"`
				Subresources struct {
					Status map[string]any `json:"status"`
					Scale  struct {
						SpecReplicasPath   string `json:"specReplicasPath"`
						StatusReplicasPath string `json:"statusReplicasPath"`
						LabelSelectorPath  string `json:"labelSelectorPath"`
					} `json:"scale"`
				} `json:"subresources"`
				Schema struct {
					OpenAPIV3Schema struct {
						Properties struct {
							Spec struct {
								Properties map[string]struct {
									Enum []string `json:"enum"`
								} `json:"properties"`
							} `json:"spec"`
						} `json:"properties"`
					} `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &crd))
	assert.Equal(t, "flink.apache.org", crd.Spec.Group)
	assert.Equal(t, "FlinkDeployment", crd.Spec.Names.Kind)
	assert.Equal(t, []string{"flinkdep"}, crd.Spec.Names.ShortNames)
	require.Len(t, crd.Spec.Versions, 1)
	v := crd.Spec.Versions[0]
	assert.Equal(t, "v1beta1", v.Name)
	// The reference's columns come first; ours follow
	// (TestPrinterColumnsAndCategories).
	require.GreaterOrEqual(t, len(v.AdditionalPrinterColumns), 2)
	assert.Equal(t, "Job Status", v.AdditionalPrinterColumns[0].Name)
	assert.Equal(t, ".status.jobStatus.state", v.AdditionalPrinterColumns[0].JSONPath)
	assert.Equal(t, "Lifecycle State", v.AdditionalPrinterColumns[1].Name)
	assert.Equal(t, ".status.lifecycleState", v.AdditionalPrinterColumns[1].JSONPath)
	assert.NotNil(t, v.Subresources.Status)
	assert.Equal(t, ".spec.taskManager.replicas", v.Subresources.Scale.SpecReplicasPath)
	assert.Equal(t, ".status.taskManager.replicas", v.Subresources.Scale.StatusReplicasPath)
	assert.Equal(t, ".status.taskManager.labelSelector", v.Subresources.Scale.LabelSelectorPath)

	var enum []v1beta1.FlinkVersion
	for _, e := range v.Schema.OpenAPIV3Schema.Properties.Spec.Properties["flinkVersion"].Enum {
		enum = append(enum, v1beta1.FlinkVersion(e))
	}
	assert.Equal(t, v1beta1.SupportedFlinkVersions, enum, "flinkVersion enum marker and SupportedFlinkVersions differ")
}

// TestVersionTableCoversSupportedVersions keeps templates/versions in step
// with the API enum.
func TestVersionTableCoversSupportedVersions(t *testing.T) {
	insts := load.Instances([]string{"./templates/versions"}, &load.Config{FS: flinkoperator.CUEModule, ModuleRoot: "/"})
	require.NoError(t, insts[0].Err)
	table := cuecontext.New().BuildInstance(insts[0]).LookupPath(cue.ParsePath("table"))
	require.NoError(t, table.Err())
	var names []v1beta1.FlinkVersion
	it, err := table.Fields()
	require.NoError(t, err)
	for it.Next() {
		names = append(names, v1beta1.FlinkVersion(it.Selector().String()))
		require.NoError(t, it.Value().Validate(cue.Concrete(true)), "facts for %s", it.Selector())
	}
	assert.ElementsMatch(t, v1beta1.SupportedFlinkVersions, names)
}
