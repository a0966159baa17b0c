package agent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"HOST": "jm", "PORT": "6123", "EMPTY": ""}
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$(HOST):$(PORT)", "jm:6123"},
		{"-Dx=$(EMPTY)y", "-Dx=y"},
		// $$ is an escaped $: $$(HOST) is the literal $(HOST).
		{"$$(HOST)", "$(HOST)"},
		{"a$$b", "a$b"},
		{"$$$(PORT)", "$6123"},
		// An undefined reference stays as written.
		{"$(NOPE)-$(HOST)", "$(NOPE)-jm"},
		// An unterminated $( stays as written, with the rest of the string.
		{"x $(HOST", "x $(HOST"},
		{"$(HOST) $(PORT", "jm $(PORT"},
		// A lone $, a trailing $ and shell syntax are not references.
		{"$HOST ${HOST} cost$", "$HOST ${HOST} cost$"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, expand(tt.in, env), "expand(%q)", tt.in)
	}
}

func TestResourceValue(t *testing.T) {
	c := &corev1.Container{Resources: corev1.ResourceRequirements{
		Limits: corev1.ResourceList{
			// 10^9 bytes are 953.67 MiB: rounded up, as a kubelet does.
			corev1.ResourceMemory: resource.MustParse("1G"),
			corev1.ResourceCPU:    resource.MustParse("1500m"),
		},
		Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
	}}
	tests := []struct {
		res     string
		divisor string
		want    string
	}{
		{"limits.memory", "1Mi", "954"},
		{"limits.memory", "", "1000000000"},
		{"requests.memory", "1Mi", "512"},
		{"limits.cpu", "", "2"}, // 1.5 cores rounded up
		{"limits.cpu", "1m", "1500"},
		{"requests.cpu", "", "0"}, // not set
	}
	for _, tt := range tests {
		ref := &corev1.ResourceFieldSelector{Resource: tt.res}
		if tt.divisor != "" {
			ref.Divisor = resource.MustParse(tt.divisor)
		}
		got, err := resourceValue(c, ref)
		require.NoError(t, err, "%s / %s", tt.res, tt.divisor)
		assert.Equal(t, tt.want, got, "%s / %s", tt.res, tt.divisor)
	}
	_, err := resourceValue(c, &corev1.ResourceFieldSelector{Resource: "memory"})
	assert.ErrorContains(t, err, "limits.<name> or requests.<name>")
}

func TestFieldValue(t *testing.T) {
	w := &podWorker{ip: "127.1.0.7", latest: &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "jm-0", Namespace: "ns", UID: "u-1",
			Labels:      map[string]string{"app": "demo", "component": "jobmanager"},
			Annotations: map[string]string{"a": "1"}},
		Spec: corev1.PodSpec{NodeName: "flink-node-0", ServiceAccountName: "flink"},
	}}
	tests := []struct{ path, want string }{
		{"metadata.labels['app']", "demo"},
		{"metadata.labels['missing']", ""},
		{"metadata.annotations['a']", "1"},
		{"metadata.labels", "app=\"demo\"\ncomponent=\"jobmanager\""},
		{"metadata.name", "jm-0"},
		{"metadata.uid", "u-1"},
		{"spec.nodeName", "flink-node-0"},
		{"spec.serviceAccountName", "flink"},
		// The pod's own loopback address, not anything the API says.
		{"status.podIP", "127.1.0.7"},
		{"status.hostIP", "127.0.0.1"},
	}
	for _, tt := range tests {
		got, err := w.fieldValue(tt.path)
		require.NoError(t, err, tt.path)
		assert.Equal(t, tt.want, got, tt.path)
	}
	for _, bad := range []string{"spec.containers", "metadata.labels['app'", "status.phase"} {
		_, err := w.fieldValue(bad)
		assert.ErrorContains(t, err, "not a field the downward API offers", bad)
	}
}
