package flinkconf

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Without any of the decorator keys nothing is parsed.
func TestNoDecoratorKeys(t *testing.T) {
	s, errs := Parse(spec("v1_20", map[string]any{"taskmanager.numberOfTaskSlots": "2", "kubernetes.operator.x": "y", "kubernetes.secretsx": "z"}))
	require.Empty(t, errs)
	assert.Nil(t, s.Decorations)
	assert.True(t, usesFlinkDecorators(map[string]string{"kubernetes.secrets.a": "/a"}))
	assert.True(t, usesFlinkDecorators(map[string]string{"containerized.master.env.A": "1"}))
	assert.False(t, usesFlinkDecorators(map[string]string{"containerized.master.env": "1"}))
}

// The decorator keys are typed once; their errors stay with them (the
// renderer reports them after the rules), not among Parse's.
func TestDecorationsAreTyped(t *testing.T) {
	s, errs := Parse(spec("v1_20", map[string]any{
		"kubernetes.jobmanager.labels":            "team:data",
		"kubernetes.taskmanager.tolerations":      "key:a,operator:Exists",
		"containerized.master.env.B":              "2",
		"containerized.master.env.A":              "1",
		"kubernetes.secrets":                      "tls:/opt/tls",
		"kubernetes.rest-service.exposed.type":    "headless_clusterip",
		"kubernetes.entry.path":                   "/entry.sh",
		"kubernetes.jobmanager.service-account":   "Not_A_Name",
		"kubernetes.container.image.pull-secrets": "a;b;a",
	}))
	require.Empty(t, errs)
	d := s.Decorations
	require.NotNil(t, d)
	assert.Equal(t, map[string]string{"team": "data"}, d.JobManager.Labels)
	assert.Equal(t, Origin{Key: "kubernetes.jobmanager.labels", Value: "team:data"}, d.JobManager.LabelOrigins["team"])
	key, op := "a", "Exists"
	assert.Equal(t, []Toleration{{Key: &key, Operator: &op}}, d.TaskManager.Tolerations)
	assert.Equal(t, []EnvVar{{"A", "1"}, {"B", "2"}}, d.JobManager.Env)
	assert.Equal(t, []SecretVolume{{Secret: "tls", Volume: "tls-volume", MountPath: "/opt/tls", From: Origin{KeySecrets, "tls:/opt/tls"}}}, d.SecretVolumes)
	assert.Equal(t, "ClusterIP", d.RestServiceType)
	assert.True(t, d.RestServiceHeadless)
	assert.Equal(t, "/entry.sh", d.Start.EntryPath)
	assert.Equal(t, []string{"a", "b"}, d.ImagePullSecrets)
	assert.Empty(t, d.JobManager.ServiceAccount)
	require.Len(t, d.Errs, 1)
	assert.Equal(t, "spec.flinkConfiguration[kubernetes.jobmanager.service-account]", d.Errs[0].Field)
}

// Flink 2.x reads structured values as YAML first; older versions do not.
func TestDecorationsReadYAMLByVersion(t *testing.T) {
	config := map[string]any{"kubernetes.jobmanager.annotations": "{example.com/url: 'http://host:80'}"}
	s, _ := Parse(spec("v2_0", config))
	assert.Equal(t, map[string]string{"example.com/url": "http://host:80"}, s.Decorations.JobManager.Annotations)
	s, _ = Parse(spec("v1_20", config))
	assert.Nil(t, s.Decorations.JobManager.Annotations)
	assert.Len(t, s.Decorations.Errs, 1)
}

// The memory and cpu keys hold their errors: the spec's resources win over
// them, so an error counts only where the renderer uses the key.
func TestResourceKeys(t *testing.T) {
	s, errs := Parse(spec("v1_20", map[string]any{
		KeyJobManagerMemory:                 "2048m",
		KeyTaskManagerMemory:                "lots",
		"kubernetes.jobmanager.cpu.amount":  "0.5",
		"kubernetes.taskmanager.cpu.amount": "-1",
		"kubernetes.jobmanager.cpu":         "8",
	}))
	require.Empty(t, errs)
	jm, tm := s.Resources.JobManager, s.Resources.TaskManager
	assert.Equal(t, Memory{Key: KeyJobManagerMemory, Given: true, Bytes: 2048 << 20}, jm.Memory)
	assert.Equal(t, CPU{Key: "kubernetes.jobmanager.cpu.amount", Given: true, Cores: 0.5}, jm.CPU, "1.20 reads .cpu.amount")
	assert.True(t, tm.Memory.Given)
	require.NotNil(t, tm.Memory.Err)
	assert.Equal(t, field.ErrorTypeInvalid, tm.Memory.Err.Type)
	assert.Equal(t, `spec.flinkConfiguration[kubernetes.taskmanager.cpu.amount]: Invalid value: "-1": must be a positive number of cores`, tm.CPU.Err.Error())

	s, _ = Parse(spec("v1_15", map[string]any{"kubernetes.jobmanager.cpu": "8", KeyJobManagerMemory: ""}))
	assert.Equal(t, CPU{Key: "kubernetes.jobmanager.cpu", Given: true, Cores: 8}, s.Resources.JobManager.CPU, "1.15 reads .cpu")
	assert.False(t, s.Resources.JobManager.Memory.Given, "an empty memory size is not given")
	assert.Equal(t, CPU{}, Empty("v9_9").Resources.JobManager.CPU, "an unknown version has no cpu key")
}
