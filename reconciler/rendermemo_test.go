package reconciler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// countRenders wraps the driver's reconciler so that the number of renders
// can be read.
func countRenders(d *driver) *int {
	n := new(int)
	d.r.Render = func(fd *v1beta1.FlinkDeployment, rc renderer.RenderContext) (*renderer.Result, error) {
		*n++
		return renderer.Render(fd, rc)
	}
	return n
}

// A pass that would change nothing does not render; any change to the
// spec or to a child brings the render (and the apply) back.
func TestNoOpPassesSkipTheRender(t *testing.T) {
	d := deployRunning(t, "memo", "v1_20", statefulSpec("memo", "savepoint", ""))
	d.until("stable", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
	renders := countRenders(d)
	for range 3 {
		require.NoError(t, d.pass())
	}
	assert.Zero(t, *renders, "no-op passes render nothing")

	// A deleted child: rendered and applied again.
	key := client.ObjectKey{Namespace: d.sim.ns, Name: "memo-rest"}
	require.NoError(t, k8s.Delete(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}))
	require.NoError(t, d.pass())
	assert.Equal(t, 1, *renders)
	require.NoError(t, k8s.Get(ctx, key, &corev1.Service{}), "the deleted Service is back")
	require.NoError(t, d.pass())
	assert.Equal(t, 1, *renders, "and then skipped again")

	// A child changed by someone else: rendered, and the change put back.
	cm := &corev1.ConfigMap{}
	cmKey := client.ObjectKey{Namespace: d.sim.ns, Name: "flink-config-memo"}
	require.NoError(t, k8s.Get(ctx, cmKey, cm))
	cm.Data["log4j-console.properties"] = "edited by hand"
	require.NoError(t, k8s.Update(ctx, cm))
	require.NoError(t, d.pass())
	assert.Equal(t, 2, *renders)
	require.NoError(t, k8s.Get(ctx, cmKey, cm))
	assert.NotEqual(t, "edited by hand", cm.Data["log4j-console.properties"])

	// A spec change: rendered, and the upgrade goes through.
	updateFD(t, d.sim.ns, "memo", newImage)
	d.until("upgraded job running", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) && len(d.sim.starts) == 2
	})
	assert.Greater(t, *renders, 2)
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "memo"))
}

// After a FlinkDeployment is deleted, a new one of the same name is
// rendered afresh (a different UID owns its objects).
func TestRecreatedFlinkDeploymentIsRendered(t *testing.T) {
	d := deployRunning(t, "again", "v1_20", statefulSpec("again", "stateless", ""))
	renders := countRenders(d)
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "again"}, fd))
	require.NoError(t, k8s.Delete(ctx, fd))
	d.until("deleted", 20, func(fd *v1beta1.FlinkDeployment) bool { return fd == nil })
	require.True(t, apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "again"}, &v1beta1.FlinkDeployment{})))

	createFlinkDeployment(t, d.sim.ns, statefulSpec("again", "stateless", ""))
	before := *renders
	d.until("running again", 30, running)
	assert.Greater(t, *renders, before)
	dep := &appsv1.Deployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "again"}, dep))
}
