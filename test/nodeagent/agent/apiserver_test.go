package agent

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
)

// TestAgainstAPIServer checks what only a real API server can judge: that
// it accepts the Node the agent registers and the status patch it writes,
// and refuses that patch for another pod of the same name.
func TestAgainstAPIServer(t *testing.T) {
	env, err := testenv.Start()
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, env.Stop()) })
	client, err := kubernetes.NewForConfig(env.Config)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := &Agent{cfg: Config{NodeName: "flink-node-0", Client: client, Log: slog.Default()}}

	t.Run("node registration", func(t *testing.T) {
		require.NoError(t, a.registerNode(ctx))
		// A restarted agent takes over the Node it left.
		require.NoError(t, a.registerNode(ctx))
		node, err := client.CoreV1().Nodes().Get(ctx, "flink-node-0", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "true", node.Labels[NodeLabel])
		require.Len(t, node.Status.Conditions, 1)
		assert.Equal(t, corev1.NodeReady, node.Status.Conditions[0].Type)
		assert.Equal(t, corev1.ConditionTrue, node.Status.Conditions[0].Status)
		assert.Equal(t, "110", node.Status.Allocatable.Pods().String())
	})

	t.Run("pod status patch", func(t *testing.T) {
		pods := client.CoreV1().Pods("default")
		spec := corev1.PodSpec{NodeName: "flink-node-0", RestartPolicy: corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			Containers:                    []corev1.Container{{Name: "main", Image: "flink:2.2"}}}
		pod, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: spec}, metav1.CreateOptions{})
		require.NoError(t, err)

		w := &podWorker{a: a, latest: pod, status: startedStatus(pod)}
		w.status.running("main", false, testImage, containerID(pod, "main", 0), time.Now())
		w.status.started("main")
		w.status.ready("main", true)
		require.NoError(t, w.status.write(ctx, w))

		got, err := pods.Get(ctx, "p", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, corev1.PodRunning, got.Status.Phase)
		assert.Equal(t, "127.1.0.2", got.Status.PodIP)
		assert.True(t, podReady(got))
		require.Len(t, got.Status.ContainerStatuses, 1)
		assert.NotNil(t, got.Status.ContainerStatuses[0].State.Running)

		// The pod is replaced by one of the same name: the old worker's
		// patch must not land on it. The API server refuses the uid in the
		// patch as a change of an immutable field (422), not as a conflict.
		require.NoError(t, pods.Delete(ctx, "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))}))
		_, err = pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: spec}, metav1.CreateOptions{})
		require.NoError(t, err)
		err = w.status.write(ctx, w)
		require.Error(t, err)
		assert.True(t, apierrors.IsInvalid(err), "want Invalid, got %v", err)
		assert.ErrorContains(t, err, "metadata.uid")
		fresh, err := pods.Get(ctx, "p", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Empty(t, fresh.Status.PodIP, "the new pod's status is untouched")
	})
}
