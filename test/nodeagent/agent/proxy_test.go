package agent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestTargetPort(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "sidecar", Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9249}}},
		{Name: "flink-main-container", Ports: []corev1.ContainerPort{{Name: "rest", ContainerPort: 8081}, {Name: "rpc", ContainerPort: 6123}}},
	}}}
	tests := []struct {
		name   string
		port   corev1.ServicePort
		want   int
		wantOK bool
	}{
		{"number", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8081)}, 8081, true},
		{"name of a later container's port", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("rest")}, 8081, true},
		{"name of the first container's port", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("metrics")}, 9249, true},
		{"name the pod lacks", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("web")}, 0, false},
		{"unset: the service port", corev1.ServicePort{Port: 8081}, 8081, true},
	}
	for _, tt := range tests {
		got, ok := targetPort(&tt.port, pod)
		assert.Equal(t, tt.wantOK, ok, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}
