package reconciler_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

var ctx = context.Background()

func children(ns, name string) []client.Object {
	return []client.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-rest"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flink-config-" + name}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-template-" + name}},
	}
}

func waitForChildren(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, 20*time.Second, "cluster objects applied", func() error {
		for _, obj := range children(ns, name) {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				return err
			}
		}
		return nil
	})
}

func resourceVersions(t *testing.T, ns, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, obj := range children(ns, name) {
		require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj))
		out[fmt.Sprintf("%T/%s", obj, obj.GetName())] = obj.GetResourceVersion()
	}
	return out
}

// markAvailable plays the Deployment controller, which envtest does not run.
func markAvailable(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, 10*time.Second, "mark JobManager Deployment available", func() error {
		dep := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep); err != nil {
			return err
		}
		dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1}
		return k8s.Status().Update(ctx, dep)
	})
}

func TestApplyCreatesClusterWithOwnershipAndStatus(t *testing.T) {
	ns := newNamespace(t)
	fd := createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")

	for _, obj := range children(ns, "basic") {
		require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj))
		refs := obj.GetOwnerReferences()
		require.Len(t, refs, 1, obj.GetName())
		assert.Equal(t, fd.UID, refs[0].UID)
		assert.True(t, *refs[0].Controller)
		var applied bool
		for _, mf := range obj.GetManagedFields() {
			if mf.Manager == reconciler.FieldManager && mf.Operation == metav1.ManagedFieldsOperationApply {
				applied = true
			}
		}
		assert.True(t, applied, "%s not applied by field manager %s with operation Apply", obj.GetName(), reconciler.FieldManager)
		assert.Equal(t, "flink-operator", obj.GetLabels()["app.kubernetes.io/managed-by"])
	}

	eventually(t, 10*time.Second, "status written", func() error {
		got := getFD(t, ns, "basic")
		if got.Status.LifecycleState == "" {
			return fmt.Errorf("no lifecycleState")
		}
		if got.Status.ObservedGeneration != got.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", got.Status.ObservedGeneration, got.Generation)
		}
		return nil
	})
	got := getFD(t, ns, "basic")
	assert.Equal(t, v1beta1.LifecycleDeployed, got.Status.LifecycleState)
	assert.Equal(t, v1beta1.ReconciliationDeployed, got.Status.ReconciliationStatus.State)
	assert.Contains(t, got.Status.ReconciliationStatus.LastReconciledSpec, `"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":true}`)
	assert.Contains(t, got.Finalizers, reconciler.Finalizer)
	assert.Contains(t, eventsFor(t, ns, "basic"), gate.ReasonSubmit)
	eventually(t, 10*time.Second, "lifecycle transition event", func() error {
		for _, note := range eventsFor(t, ns, "basic")[reconciler.ReasonLifecycle] {
			if strings.Contains(note, "to DEPLOYED") {
				return nil
			}
		}
		return fmt.Errorf("no %s event to DEPLOYED", reconciler.ReasonLifecycle)
	})
	assert.Positive(t, metricValue(t, "flink_operator_reconcile_duration_seconds", map[string]string{"result": "requeue_after"}),
		"the controller's passes are timed by result")
}

func TestReadyJobBecomesStable(t *testing.T) {
	ns := newNamespace(t)
	cluster, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	jobID, err := cluster.AddJob(fakejm.JobSpec{Name: "state-machine"})
	require.NoError(t, err)
	require.NoError(t, jobs.Add("/"+ns+"/basic", cluster))
	t.Cleanup(func() { jobs.Remove("/" + ns + "/basic") })

	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")
	markAvailable(t, ns, "basic")

	eventually(t, 10*time.Second, "job observed and stable", func() error {
		st := getFD(t, ns, "basic").Status
		if st.JobManagerDeploymentStatus != v1beta1.JMReady || st.JobStatus.State != "RUNNING" || st.LifecycleState != v1beta1.LifecycleStable {
			return fmt.Errorf("jm=%s job=%s lifecycle=%s error=%q", st.JobManagerDeploymentStatus, st.JobStatus.State, st.LifecycleState, st.Error)
		}
		return nil
	})
	st := getFD(t, ns, "basic").Status
	assert.Equal(t, jobID, st.JobStatus.JobID)
	assert.Equal(t, "state-machine", st.JobStatus.JobName)
	// The reference's Running, and kstatus' Ready, Reconciling and Stalled.
	require.Len(t, st.Conditions, 4)
	assert.True(t, meta.IsStatusConditionTrue(st.Conditions, health.Running))
	assert.True(t, meta.IsStatusConditionTrue(st.Conditions, health.Ready))
	assert.Equal(t, metav1.ConditionFalse, meta.FindStatusCondition(st.Conditions, health.Stalled).Status)

	// The job fails: status follows.
	require.NoError(t, cluster.SetJobState(jobID, flinkrest.JobStatus("FAILED")))
	eventually(t, 10*time.Second, "failed job observed", func() error {
		st := getFD(t, ns, "basic").Status
		if st.LifecycleState != v1beta1.LifecycleFailed {
			return fmt.Errorf("lifecycle %s, job %s", st.LifecycleState, st.JobStatus.State)
		}
		return nil
	})
}

func TestDriftIsCorrected(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")

	// kubectl set image flink-main-container=evil:latest
	dep := &appsv1.Deployment{}
	setImage(t, ns, "basic", "evil:latest")

	eventually(t, 10*time.Second, "image put back", func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, dep); err != nil {
			return err
		}
		if img := dep.Spec.Template.Spec.Containers[0].Image; img != "flink:1.20" {
			return fmt.Errorf("image is %s", img)
		}
		return nil
	})
	eventually(t, 5*time.Second, "drift event", func() error {
		if _, ok := eventsFor(t, ns, "basic")[reconciler.ReasonDriftCorrected]; !ok {
			return fmt.Errorf("no %s event", reconciler.ReasonDriftCorrected)
		}
		return nil
	})

	// A deleted child comes back too.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic-rest"}}
	require.NoError(t, k8s.Delete(ctx, svc))
	eventually(t, 10*time.Second, "deleted Service recreated", func() error {
		return k8s.Get(ctx, client.ObjectKeyFromObject(svc), svc)
	})
}

func TestNoOpReconcileWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")
	eventually(t, 10*time.Second, "status settled", func() error {
		if getFD(t, ns, "basic").Status.ObservedGeneration == 0 {
			return fmt.Errorf("not reconciled yet")
		}
		return nil
	})
	// Let the first passes finish: wait for a quiet second.
	var before map[string]string
	var fdBefore *v1beta1.FlinkDeployment
	eventually(t, 20*time.Second, "cluster settled", func() error {
		rv, fd := resourceVersions(t, ns, "basic"), getFD(t, ns, "basic")
		time.Sleep(time.Second)
		if !reflect.DeepEqual(rv, resourceVersions(t, ns, "basic")) || getFD(t, ns, "basic").ResourceVersion != fd.ResourceVersion {
			return fmt.Errorf("still changing")
		}
		before, fdBefore = rv, fd
		return nil
	})

	// Annotating the CR triggers a pass but changes no spec.
	updateFD(t, ns, "basic", func(fd *v1beta1.FlinkDeployment) {
		if fd.Annotations == nil {
			fd.Annotations = map[string]string{}
		}
		fd.Annotations["example.com/touched"] = "yes"
	})
	// Several resyncs (1s in this suite) pass as well.
	time.Sleep(2500 * time.Millisecond)

	assert.Equal(t, before, resourceVersions(t, ns, "basic"), "a child was written by a no-op pass")
	after := getFD(t, ns, "basic")
	assert.Equal(t, fdBefore.Status, after.Status, "status was rewritten by a no-op pass")
}

func TestSuspendPrunesAndResumeRecreates(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")

	updateFD(t, ns, "basic", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Job.State = v1beta1.JobStateSuspended
	})
	eventually(t, 10*time.Second, "cluster objects pruned", func() error {
		for _, obj := range children(ns, "basic") {
			err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
			if err == nil && obj.GetDeletionTimestamp().IsZero() {
				return fmt.Errorf("%s still exists", obj.GetName())
			}
			if err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
		return nil
	})
	eventually(t, 10*time.Second, "suspended in status", func() error {
		if st := getFD(t, ns, "basic").Status.LifecycleState; st != v1beta1.LifecycleSuspended {
			return fmt.Errorf("lifecycle %s", st)
		}
		return nil
	})
	assert.Contains(t, eventsFor(t, ns, "basic"), reconciler.ReasonPruned)

	updateFD(t, ns, "basic", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Job.State = v1beta1.JobStateRunning
	})
	waitForChildren(t, ns, "basic")
}

func TestInvalidEditLeavesClusterUntouched(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")
	eventually(t, 10*time.Second, "first generation reconciled", func() error {
		if getFD(t, ns, "basic").Status.ObservedGeneration != 1 {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	time.Sleep(300 * time.Millisecond)
	before := resourceVersions(t, ns, "basic")

	updateFD(t, ns, "basic", func(fd *v1beta1.FlinkDeployment) {
		// A forbidden key only the renderer's validation knows about (the
		// CRD cannot see into flinkConfiguration).
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"kubernetes.cluster-id": "other"})
		fd.Spec.Image = "flink:2.0" // would change the Deployment if it were applied
	})

	eventually(t, 10*time.Second, "validation error in status", func() error {
		st := getFD(t, ns, "basic").Status
		if !strings.Contains(st.Error, "kubernetes.cluster-id") {
			return fmt.Errorf("status.error = %q", st.Error)
		}
		return nil
	})
	assert.Contains(t, eventsFor(t, ns, "basic"), reconciler.ReasonValidationError)
	time.Sleep(time.Second)
	assert.Equal(t, before, resourceVersions(t, ns, "basic"), "the running cluster was changed by an invalid spec")
	// Refused is Stalled, the generation's outcome (health.Apply); the
	// resource versions above show nothing was deployed.
	refused := getFD(t, ns, "basic")
	assert.Equal(t, int64(2), refused.Status.ObservedGeneration)
	assert.Equal(t, health.ReasonValidationError, meta.FindStatusCondition(refused.Status.Conditions, health.Stalled).Reason)

	// Drift correction goes on for the last valid spec.
	dep := &appsv1.Deployment{}
	setImage(t, ns, "basic", "evil:latest")
	eventually(t, 10*time.Second, "last valid image put back", func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, dep); err != nil {
			return err
		}
		if img := dep.Spec.Template.Spec.Containers[0].Image; img != "flink:1.20" {
			return fmt.Errorf("image is %s", img)
		}
		return nil
	})
}

func TestDeleteRemovesClusterAndHAConfigMaps(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")

	// Flink's own HA ConfigMaps: labelled by Flink (app and type only, as
	// real Flink 2.2 creates them), owned by nobody.
	ha := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic-cluster-config-map",
		Labels: map[string]string{"app": "basic", "type": "flink-native-kubernetes"}}}
	require.NoError(t, k8s.Create(ctx, ha))
	jobHA := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic-0123456789abcdef0123456789abcdef-config-map",
		Labels: map[string]string{"app": "basic", "type": "flink-native-kubernetes"}}}
	require.NoError(t, k8s.Create(ctx, jobHA))
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unrelated",
		Labels: map[string]string{"app": "other", "configmap-type": "high-availability"}}}
	require.NoError(t, k8s.Create(ctx, other))
	// The user's own ConfigMap with the cluster's app label is not Flink's.
	users := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic-settings",
		Labels: map[string]string{"app": "basic"}}}
	require.NoError(t, k8s.Create(ctx, users))

	require.NoError(t, k8s.Delete(ctx, getFD(t, ns, "basic")))
	eventually(t, 15*time.Second, "FlinkDeployment gone", func() error {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, &v1beta1.FlinkDeployment{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
	for _, obj := range append(children(ns, "basic"), ha, jobHA) {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if err == nil {
			assert.False(t, obj.GetDeletionTimestamp().IsZero(), "%s was not deleted", obj.GetName())
		} else {
			assert.True(t, apierrors.IsNotFound(err), "%s: %v", obj.GetName(), err)
		}
	}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(other), other), "another cluster's HA data must survive")
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(users), users), "a ConfigMap that is not Flink's HA data must survive")
	assert.Contains(t, eventsFor(t, ns, "basic"), reconciler.ReasonCleanup)
}

func TestUnreachableRESTIsReportedWithBackoff(t *testing.T) {
	ns := newNamespace(t)
	cluster, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	_, err = cluster.AddJob(fakejm.JobSpec{})
	require.NoError(t, err)
	// 503 on every call: the JobManager never becomes reachable.
	cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/overview", Status: 503, Errors: []string{"not ready"}, Times: fakejm.Forever})
	require.NoError(t, jobs.Add("/"+ns+"/basic", cluster))
	t.Cleanup(func() { jobs.Remove("/" + ns + "/basic") })

	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")
	markAvailable(t, ns, "basic")
	eventually(t, 10*time.Second, "unreachable REST in status", func() error {
		st := getFD(t, ns, "basic").Status
		if !strings.Contains(st.Error, "REST API") || st.JobManagerDeploymentStatus != v1beta1.JMDeployedNotReady {
			return fmt.Errorf("jm=%s error=%q", st.JobManagerDeploymentStatus, st.Error)
		}
		return nil
	})
	assert.Contains(t, eventsFor(t, ns, "basic"), reconciler.ReasonRESTUnreachable)

	// Backoff doubles from 1s (capped at 2s here): in 4s a handful of calls, never a hot loop.
	start := len(cluster.RequestsTo("GET /jobs/overview"))
	time.Sleep(4 * time.Second)
	calls := len(cluster.RequestsTo("GET /jobs/overview")) - start
	assert.LessOrEqual(t, calls, 5, "REST called %d times in 4s", calls)
	assert.GreaterOrEqual(t, calls, 1, "REST no longer retried")

	// Recovery clears the error.
	cluster.ClearFaults()
	eventually(t, 10*time.Second, "REST recovered", func() error {
		st := getFD(t, ns, "basic").Status
		if st.Error != "" || st.JobManagerDeploymentStatus != v1beta1.JMReady {
			return fmt.Errorf("jm=%s error=%q", st.JobManagerDeploymentStatus, st.Error)
		}
		return nil
	})
}

func TestIngressAddedAndPruned(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, basicSpec)
	waitForChildren(t, ns, "basic")

	updateFD(t, ns, "basic", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Ingress = &v1beta1.IngressSpec{Template: "flink.example.com/{{namespace}}/{{name}}(/|$)(.*)"}
	})
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic"}}
	eventually(t, 10*time.Second, "Ingress created", func() error {
		return k8s.Get(ctx, client.ObjectKeyFromObject(ing), ing)
	})
	require.Len(t, ing.Spec.Rules, 1)
	assert.Equal(t, "flink.example.com", ing.Spec.Rules[0].Host)
	assert.Equal(t, "basic-rest", ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name)

	updateFD(t, ns, "basic", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Ingress = nil
	})
	eventually(t, 10*time.Second, "Ingress pruned", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(ing), ing)
		if apierrors.IsNotFound(err) || (err == nil && !ing.DeletionTimestamp.IsZero()) {
			return nil
		}
		return fmt.Errorf("Ingress still there (err=%v)", err)
	})
	// The rest of the cluster is untouched by the prune.
	waitForChildren(t, ns, "basic")
}

// setImage plays `kubectl set image` on the JobManager Deployment.
func setImage(t *testing.T, ns, name, image string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		dep := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep); err != nil {
			return err
		}
		dep.Spec.Template.Spec.Containers[0].Image = image
		return k8s.Update(ctx, dep, client.FieldOwner("kubectl-set"))
	})
	require.NoError(t, err)
}
