package validation

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func deployment(mode v1beta1.DeploymentMode, version v1beta1.FlinkVersion) *v1beta1.FlinkDeployment {
	fd := &v1beta1.FlinkDeployment{Spec: v1beta1.FlinkDeploymentSpec{
		Image: "flink", ServiceAccount: "flink", FlinkVersion: version, Mode: &mode,
	}}
	fd.Name, fd.Namespace = "job", "ns"
	fd.Default()
	return fd
}

// check does what the renderer does with fd's spec carrying config: the
// errors of flinkconf.Parse, then Validate's.
func check(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	settings, errs := flinkconf.Parse(withConfig(fd, config))
	if settings == nil {
		return errs
	}
	return append(errs, Validate(fd, settings)...)
}

// withConfig sets fd's flinkConfiguration to config and returns its spec.
func withConfig(fd *v1beta1.FlinkDeployment, config map[string]string) *v1beta1.FlinkDeploymentSpec {
	flat := make(map[string]any, len(config))
	for k, v := range config {
		flat[k] = v
	}
	fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(flat)
	return &fd.Spec
}

func TestFlinkVersionByMode(t *testing.T) {
	for _, v := range v1beta1.SupportedFlinkVersions {
		assert.Empty(t, check(deployment(v1beta1.ModeStandalone, v), nil), "standalone %s", v)
	}
	for _, v := range []v1beta1.FlinkVersion{"v1_11", "v1_12"} {
		errs := check(deployment(v1beta1.ModeNative, v), nil)
		require.Len(t, errs, 1)
		assert.Equal(t, "spec.flinkVersion", errs[0].Field)
		assert.Equal(t, `spec.flinkVersion: Invalid value: "`+string(v)+`": native mode needs v1_13 or newer (Flink's TaskManager pod templates arrived in 1.13); run Flink 1.`+string(v[3:])+` in mode: standalone`, errs[0].Error())
	}
	assert.Empty(t, check(deployment(v1beta1.ModeNative, "v1_13"), nil))

	// An unknown version lists what the mode accepts.
	errs := check(deployment(v1beta1.ModeNative, "v1_99"), nil)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), `supported values: "v1_13", "v1_14"`)
	errs = check(deployment(v1beta1.ModeStandalone, "v1_99"), nil)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), `supported values: "v1_11", "v1_12", "v1_13"`)
	errs = check(deployment(v1beta1.ModeStandalone, ""), nil)
	require.Len(t, errs, 1)
	assert.True(t, strings.HasSuffix(errs[0].Error(), "one of v1_11, v1_12, v1_13, v1_14, v1_15, v1_16, v1_17, v1_18, v1_19, v1_20, v2_0, v2_1, v2_2, v2_3, v2_4"), errs[0].Error())
}

func TestKubernetesHighAvailabilityNeedsFlink112(t *testing.T) {
	ha := map[string]string{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha"}
	errs := check(deployment(v1beta1.ModeStandalone, "v1_11"), ha)
	require.Len(t, errs, 1)
	assert.Equal(t, "spec.flinkConfiguration[high-availability.type]", errs[0].Field)
	assert.Empty(t, check(deployment(v1beta1.ModeStandalone, "v1_12"), ha))
	assert.Empty(t, check(deployment(v1beta1.ModeStandalone, "v1_11"), map[string]string{"high-availability": "zookeeper", "high-availability.storageDir": "s3://b/ha"}))
}

func TestResolveIngressTemplate(t *testing.T) {
	cases := []struct{ template, host, path string }{
		{"{{name}}.{{namespace}}.flink.k8s.io", "job.ns.flink.k8s.io", ""},
		{"{{NAME}}.{{NameSpace}}.example.com", "job.ns.example.com", ""},
		{"/{{namespace}}/{{name}}(/|$)(.*)", "", "/ns/job(/|$)(.*)"},
		{"example.com/{{namespace}}/{{name}}/", "example.com", "/ns/job/"},
		{"https://example.com:8443/ui?x=1#top", "example.com", "/ui"},
		{"http://example.com/a%20b", "example.com", "/a%20b"},
		{" example.com ", "example.com", ""},
	}
	for _, c := range cases {
		rule, err := ResolveIngressTemplate(c.template, "job", "ns")
		require.NoError(t, err, c.template)
		assert.Equal(t, IngressRule{Host: c.host, Path: c.path}, rule, c.template)
	}
	for _, bad := range []string{"{{other}}.example.com", "example.com/%zz", "http://[::1"} {
		_, err := ResolveIngressTemplate(bad, "job", "ns")
		assert.Error(t, err, bad)
	}
}
