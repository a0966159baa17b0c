package reconciler_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// staleReads answers Gets of one FlinkDeployment with a copy read earlier,
// as a lagging informer cache would; everything else goes to the server.
type staleReads struct {
	client.Client
	stale *v1beta1.FlinkDeployment
}

func (c *staleReads) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if fd, ok := obj.(*v1beta1.FlinkDeployment); ok && c.stale != nil && key == client.ObjectKeyFromObject(c.stale) {
		c.stale.DeepCopyInto(fd)
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

const otherFinalizer = "example.com/backup"

func TestFinalizerAddFromAStaleReadKeepsOthersFinalizers(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, statefulSpec("fin", "stateless", ""))
	stale := getFD(t, ns, "fin")
	require.Empty(t, stale.Finalizers)
	// Another controller adds its finalizer after the operator's read.
	updateFD(t, ns, "fin", func(fd *v1beta1.FlinkDeployment) { fd.Finalizers = append(fd.Finalizers, otherFinalizer) })

	r := newDirectReconciler(nil)
	r.Client = &staleReads{Client: k8s, stale: stale}
	res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stale)})
	require.NoError(t, err, "a conflict is retried, not reported")
	assert.True(t, res.Requeue, "the pass starts over from the new version") //nolint:staticcheck // Requeue is what Reconcile returns on conflicts
	assert.Equal(t, []string{otherFinalizer}, getFD(t, ns, "fin").Finalizers, "the other finalizer is kept")

	// A fresh read adds the operator's finalizer next to it.
	r.Client = k8s
	_, err = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stale)})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{otherFinalizer, reconciler.Finalizer}, getFD(t, ns, "fin").Finalizers)
}

func TestFinalizerRemovalFromAStaleReadIsRetried(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, statefulSpec("fin", "stateless", ""))
	d := &driver{t: t, sim: newSim(t, ns, "fin", "v1_20"), r: newDirectReconciler(nil)}
	d.until("job running", 30, running)
	updateFD(t, ns, "fin", func(fd *v1beta1.FlinkDeployment) { fd.Finalizers = append(fd.Finalizers, otherFinalizer) })
	require.NoError(t, k8s.Delete(ctx, getFD(t, ns, "fin")))
	stale := getFD(t, ns, "fin")
	require.ElementsMatch(t, []string{otherFinalizer, reconciler.Finalizer}, stale.Finalizers)
	// The other controller finishes and drops its finalizer after the
	// operator's read.
	updateFD(t, ns, "fin", func(fd *v1beta1.FlinkDeployment) { fd.Finalizers = []string{reconciler.Finalizer} })

	// Both readers serve the old copy, as a lagging cache and an API
	// server read racing the other controller's write would.
	d.r.Client = &staleReads{Client: k8s, stale: stale}
	d.r.APIReader = d.r.Client
	res, err := d.r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stale)})
	require.NoError(t, err, "a conflict is retried, not reported")
	assert.True(t, res.Requeue) //nolint:staticcheck // Requeue is what Reconcile returns on conflicts
	assert.Equal(t, []string{reconciler.Finalizer}, getFD(t, ns, "fin").Finalizers, "the stale list is not written back")

	d.r.Client, d.r.APIReader = k8s, k8s
	_, err = d.r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stale)})
	require.NoError(t, err)
	err = k8s.Get(ctx, client.ObjectKeyFromObject(stale), &v1beta1.FlinkDeployment{})
	assert.True(t, apierrors.IsNotFound(err), "a fresh pass lets the FlinkDeployment go: %v", err)
}
