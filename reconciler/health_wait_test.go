package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// conditionMet is what `kubectl wait --for=condition=<type>=<status>`
// decides from the object the API server returns: a condition of that type
// with that status (case-insensitive), whose observedGeneration, when set,
// is the object's generation.
func conditionMet(t *testing.T, ns, name, condType, want string) (bool, string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("flink.apache.org/v1beta1")
	u.SetKind("FlinkDeployment")
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u))
	conds, _, err := unstructured.NestedSlice(u.Object, "status", "conditions")
	require.NoError(t, err)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] != condType {
			continue
		}
		if g, ok := m["observedGeneration"].(int64); ok && g != u.GetGeneration() {
			return false, "condition of an older generation"
		}
		status, _ := m["status"].(string)
		msg, _ := m["message"].(string)
		return strings.EqualFold(status, want), m["reason"].(string) + ": " + msg
	}
	return false, "no " + condType + " condition"
}

// `kubectl wait --for=condition=Ready` returns once the job runs, and a
// held upgrade takes Ready away and sets Stalled, through the API server.
func TestKubectlWaitReadsReadyAndStalled(t *testing.T) {
	d := deployRunning(t, "waitready", "v1_20", statefulSpec("waitready", "last-state", haConfig))
	d.until("Ready", 10, func(*v1beta1.FlinkDeployment) bool {
		ok, _ := conditionMet(t, d.sim.ns, "waitready", "Ready", "True")
		return ok
	})
	ok, _ := conditionMet(t, d.sim.ns, "waitready", "Stalled", "False")
	assert.True(t, ok)

	// Last-state without its HA metadata would lose the job's state: held.
	require.NoError(t, k8s.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(d.sim.ns), client.MatchingLabels{simHALabel: "true"}))
	updateFD(t, d.sim.ns, "waitready", newImage)
	d.until("Stalled", 10, func(*v1beta1.FlinkDeployment) bool {
		ok, _ := conditionMet(t, d.sim.ns, "waitready", "Stalled", "True")
		return ok
	})
	ok, why := conditionMet(t, d.sim.ns, "waitready", "Ready", "True")
	assert.False(t, ok, "a held upgrade is not Ready: %s", why)
	_, why = conditionMet(t, d.sim.ns, "waitready", "Stalled", "True")
	assert.Contains(t, why, "ManualRestoreRequired: ")
	assert.Contains(t, why, "HA metadata is not available")

	fd := getFD(t, d.sim.ns, "waitready")
	assert.Equal(t, v1beta1.LifecycleStable, fd.Status.LifecycleState, "the old job runs, as the reference says")
	assert.Equal(t, fd.Generation, fd.Status.ObservedGeneration, "kstatus sees the stall as the generation's outcome")
}
