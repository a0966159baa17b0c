package reconciler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Adoption of a cluster the Apache Flink Kubernetes Operator made and
// reconciled: its FlinkDeployment carries the reference's finalizer and
// status, and its objects were made by Flink's native client (or the
// reference's standalone client), with Flink's labels but without this
// operator's. The job runs; the user has stopped the reference operator
// and started this one (docs/migration.md).

const (
	referenceFinalizer = "flinkdeployments.flink.apache.org/finalizer"
	adoptedJobID       = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	adoptedRestorePath = "s3://bucket/savepoints/savepoint-a1b2c3-0123456789ab"
)

// labelledOnly reads like the operator's caches, which hold only the
// children it labelled: objects another operator made are found only on
// the API server (the reconciler's APIReader).
type labelledOnly struct{ client.Client }

func (c labelledOnly) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if err := c.Client.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	gvk, err := c.GroupVersionKindFor(obj)
	if err != nil {
		return err
	}
	switch gvk.Kind {
	case "Deployment", "ConfigMap", "Service", "Ingress":
		if obj.GetLabels()["app.kubernetes.io/managed-by"] != "flink-operator" {
			return apierrors.NewNotFound(schemaResource(gvk.Kind), key.Name)
		}
	}
	return nil
}

// referenceCluster creates, in a new namespace, a FlinkDeployment as the
// reference operator leaves it and the cluster it runs: the objects this
// operator would render for the same spec, as Flink's client made them
// (Flink's labels only; the JobManager Deployment owned by the
// FlinkDeployment without being its controller, the other objects
// controlled by the JobManager Deployment), with a RUNNING job started
// with adoptedJobID from adoptedRestorePath. edit changes the JobManager
// Deployment before it is created: what the reference rendered differently.
func referenceCluster(t *testing.T, name, mode string, edit func(*appsv1.Deployment)) *driver {
	t.Helper()
	ns := newNamespace(t)
	doc := statefulSpec(name, "savepoint", "")
	if mode == "standalone" {
		doc = strings.Replace(doc, "spec:\n", "spec:\n  mode: standalone\n", 1)
	}
	fd := createFlinkDeployment(t, ns, doc)
	fd.Finalizers = []string{referenceFinalizer}
	require.NoError(t, k8s.Update(ctx, fd))

	deployed := fd.DeepCopy()
	deployed.Default()
	res, err := renderer.Render(deployed, renderer.RenderContext{JobID: adoptedJobID, RestorePath: adoptedRestorePath})
	require.NoError(t, err)
	var jm *appsv1.Deployment
	var others []*unstructured.Unstructured
	for _, obj := range res.Objects {
		obj = obj.DeepCopy()
		labels := obj.GetLabels()
		delete(labels, "app.kubernetes.io/managed-by")
		obj.SetLabels(labels)
		if obj.GetKind() != "Deployment" {
			others = append(others, obj)
			continue
		}
		obj.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: v1beta1.GroupVersion.String(), Kind: "FlinkDeployment",
			Name: fd.Name, UID: fd.UID, Controller: ptr.To(false), BlockOwnerDeletion: ptr.To(true)}})
		if obj.GetName() == name && edit != nil {
			dep := &appsv1.Deployment{}
			require.NoError(t, runtimeConvert(obj, dep))
			edit(dep)
			require.NoError(t, k8s.Create(ctx, dep))
			jm = dep
			continue
		}
		require.NoError(t, k8s.Create(ctx, obj))
		if obj.GetName() == name {
			jm = &appsv1.Deployment{}
			require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(obj), jm))
		}
	}
	require.NotNil(t, jm, "the render has a JobManager Deployment")
	for _, obj := range others {
		obj.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment",
			Name: jm.Name, UID: jm.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}})
		require.NoError(t, k8s.Create(ctx, obj))
	}

	// The status the reference wrote: its lastReconciledSpec (Jackson
	// writes unset fields as null), a STABLE, RUNNING job and the
	// savepoint the last upgrade restored from.
	spec, err := json.Marshal(deployed.Spec)
	require.NoError(t, err)
	withNulls := strings.Replace(string(spec), `"job":{`, `"job":{"entryClass":null,"args":[],"savepointTriggerNonce":null,"allowNonRestoredState":null,`, 1)
	reconciled := fmt.Sprintf(`{"spec":%s,"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","metadata":{"generation":%d},"firstDeployment":false}}`, withNulls, fd.Generation)
	fd = getFD(t, ns, name)
	fd.Status = v1beta1.FlinkDeploymentStatus{
		JobStatus: v1beta1.JobStatus{JobName: name, JobID: adoptedJobID, State: "RUNNING", StartTime: "1764990000000", UpdateTime: "1764990100000",
			UpgradeSavepointPath: adoptedRestorePath,
			SavepointInfo: &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{TimeStamp: 1764989990000, Location: adoptedRestorePath, TriggerType: "UPGRADE", FormatType: "CANONICAL"},
				SavepointHistory: []v1beta1.Savepoint{{TimeStamp: 1764989990000, Location: adoptedRestorePath, TriggerType: "UPGRADE", FormatType: "CANONICAL"}}}},
		ObservedGeneration:         fd.Generation,
		LifecycleState:             v1beta1.LifecycleStable,
		JobManagerDeploymentStatus: v1beta1.JMReady,
		ReconciliationStatus: v1beta1.ReconciliationStatus{ReconciliationTimestamp: 1764990000000, State: v1beta1.ReconciliationDeployed,
			LastReconciledSpec: reconciled, LastStableSpec: reconciled},
	}
	require.NoError(t, k8s.Status().Update(ctx, fd))

	d := &driver{t: t, sim: newSim(t, ns, name, "v1_20"), r: adoptingReconciler(nil)}
	d.sim.sync() // the reference's JobManager runs the job
	require.Len(t, d.sim.starts, 1)
	require.Equal(t, adoptedJobID, d.sim.starts[0].JobID)
	return d
}

// adoptingReconciler is a direct reconciler that reads children like the
// operator's label-filtered caches.
func adoptingReconciler(hook func(reconciler.Step) bool) *reconciler.Reconciler {
	r := newDirectReconciler(hook)
	r.Client = labelledOnly{k8s}
	return r
}

func adopted(fd *v1beta1.FlinkDeployment) bool {
	return running(fd) && fd.Status.DeployedWith != nil && fd.Status.Error == ""
}

// jobManagerOf reads the JobManager Deployment.
func jobManagerOf(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	dep := &appsv1.Deployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep))
	return dep
}

func assertFinalizersSwapped(t *testing.T, fd *v1beta1.FlinkDeployment) {
	t.Helper()
	assert.Contains(t, fd.Finalizers, reconciler.Finalizer)
	assert.NotContains(t, fd.Finalizers, referenceFinalizer, "the reference's finalizer is removed")
}

func TestAdoptUnchangedClusterWithoutRestart(t *testing.T) {
	for _, mode := range []string{"native", "standalone"} {
		t.Run(mode, func(t *testing.T) {
			d := referenceCluster(t, "adopt", mode, nil)
			before := jobManagerOf(t, d.sim.ns, "adopt")

			fd := d.until("adopted", 20, func(fd *v1beta1.FlinkDeployment) bool {
				return adopted(fd) && jobManagerOf(t, d.sim.ns, "adopt").Labels["app.kubernetes.io/managed-by"] == "flink-operator"
			})
			after := jobManagerOf(t, d.sim.ns, "adopt")
			assert.Equal(t, before.UID, after.UID, "the JobManager Deployment is kept")
			assert.Equal(t, before.Generation, after.Generation, "its pod template is unchanged: no restart")
			assert.Len(t, d.sim.starts, 1, "the job was never restarted")
			assert.Zero(t, d.sim.stopTriggers())
			assert.Equal(t, &v1beta1.DeployedWith{JobID: adoptedJobID, RestorePath: adoptedRestorePath, JobManagerStarted: true}, fd.Status.DeployedWith,
				"what runs: the job id from REST, the restore path from the reference's status")
			assertFinalizersSwapped(t, fd)
			assert.Equal(t, v1beta1.LifecycleStable, fd.Status.LifecycleState)
			// Every object is this operator's now: labelled, and controlled
			// by the FlinkDeployment alone.
			for _, obj := range children(d.sim.ns, "adopt") {
				if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); apierrors.IsNotFound(err) {
					continue // standalone has no TaskManager pod template
				}
				assert.Equal(t, "flink-operator", obj.GetLabels()["app.kubernetes.io/managed-by"], "%T %s", obj, obj.GetName())
				ctl := metav1.GetControllerOf(obj)
				if assert.NotNil(t, ctl, "%T %s", obj, obj.GetName()) {
					assert.Equal(t, fd.UID, ctl.UID, "%T %s", obj, obj.GetName())
				}
			}
			// Later passes leave it alone too.
			for range 3 {
				require.NoError(t, d.pass())
			}
			assert.Equal(t, before.Generation, jobManagerOf(t, d.sim.ns, "adopt").Generation)
			assert.Len(t, d.sim.starts, 1)
		})
	}
}

// differentCPULimit: the reference rendered the JobManager's pod
// differently from this operator (here its CPU limit), so taking the
// Deployment over restarts the JobManager.
func differentCPULimit(dep *appsv1.Deployment) {
	dep.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU] = resource.MustParse("2")
}

func TestAdoptDifferingClusterSavepointsBeforeRestart(t *testing.T) {
	d := referenceCluster(t, "adoptdiff", "native", differentCPULimit)
	violations := watchForRestartsWithoutSavepoint(d)
	fd := d.until("adopted and upgraded", 60, func(fd *v1beta1.FlinkDeployment) bool { return adopted(fd) && len(d.sim.starts) == 2 })
	assert.Empty(t, *violations)
	restoredFromSavepoint(t, d, fd)
	assert.Equal(t, 1, d.sim.clusters[0].Counters().StopTriggers, "the savepoint stopped the adopted job")
	assertFinalizersSwapped(t, fd)
	assert.Equal(t, "1", jobManagerOf(t, d.sim.ns, "adoptdiff").Spec.Template.Spec.Containers[0].Resources.Limits.Cpu().String(), "this operator's render runs now")
}

// watchForRestartsWithoutSavepoint makes d's operator check, at every
// apply, that the reference's JobManager is either untouched or its job was
// stopped with a savepoint first; what it finds is in the returned list.
func watchForRestartsWithoutSavepoint(d *driver) *[]string {
	before := jobManagerOf(d.t, d.sim.ns, d.sim.name)
	var violations []string
	d.r = adoptingReconciler(func(s reconciler.Step) bool {
		if s != reconciler.StepApplied {
			return false
		}
		dep := &appsv1.Deployment{}
		err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: d.sim.name}, dep)
		if err == nil && dep.UID == before.UID && dep.Generation != before.Generation {
			violations = append(violations, fmt.Sprintf("the running JobManager's pod template was changed in place (generation %d -> %d)", before.Generation, dep.Generation))
		}
		if err == nil && dep.UID != before.UID && d.sim.stopTriggers() == 0 {
			violations = append(violations, "a new JobManager was deployed without a savepoint")
		}
		return false
	})
	return &violations
}

// TestAdoptionOfASpecEditedDuringTheSwitch: the user edits the
// FlinkDeployment (a new image) after stopping the reference operator and
// before this one first reads it, so the spec no longer matches the status
// the reference wrote. The running job is adopted as it runs, and the edit
// is then an upgrade like any other: a savepoint first, never an in-place
// change of the reference's JobManager.
func TestAdoptionOfASpecEditedDuringTheSwitch(t *testing.T) {
	d := referenceCluster(t, "adoptedit", "native", nil)
	upgradeImage(t, d.sim.ns, "adoptedit")
	violations := watchForRestartsWithoutSavepoint(d)

	fd := d.until("adopted and upgraded", 60, func(fd *v1beta1.FlinkDeployment) bool {
		return adopted(fd) && len(d.sim.starts) == 2 && fd.Status.ObservedGeneration == fd.Generation
	})
	assert.Empty(t, *violations)
	restoredFromSavepoint(t, d, fd)
	assert.Equal(t, adoptedJobID, d.sim.starts[0].JobID, "the savepoint was taken of the adopted job")
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "adoptedit"), "the edit runs now")
	assertFinalizersSwapped(t, fd)
}

func TestAdoptionHeldWhileRESTDoesNotAnswer(t *testing.T) {
	d := referenceCluster(t, "adoptrest", "native", differentCPULimit)
	d.sim.restDown = true
	jobsRemove(d)
	before := jobManagerOf(t, d.sim.ns, "adoptrest")

	for range 8 {
		_ = d.pass()
	}
	fd := getFD(t, d.sim.ns, "adoptrest")
	after := jobManagerOf(t, d.sim.ns, "adoptrest")
	assert.Equal(t, before.UID, after.UID)
	assert.Equal(t, before.Generation, after.Generation, "nothing applied to the running JobManager")
	assert.Len(t, d.sim.starts, 1)
	assert.Nil(t, fd.Status.DeployedWith, "nothing recorded that was not seen")
	assert.True(t, strings.HasPrefix(fd.Status.Error, "adoption held: Deployment/"+d.sim.ns+"/adoptrest was made by another operator"), fd.Status.Error)
	assert.Contains(t, fd.Status.Error, "does not answer")
	stalled := meta.FindStatusCondition(fd.Status.Conditions, health.Stalled)
	if assert.NotNil(t, stalled) {
		assert.Equal(t, metav1.ConditionTrue, stalled.Status)
		assert.Equal(t, health.ReasonUpgradeHeld, stalled.Reason)
	}
	assertFinalizersSwapped(t, fd)

	// Once it answers, adoption goes on, through a savepoint.
	d.sim.restUp()
	fd = d.until("adopted", 60, func(fd *v1beta1.FlinkDeployment) bool { return adopted(fd) && len(d.sim.starts) == 2 })
	restoredFromSavepoint(t, d, fd)
}

// jobsRemove takes the sim's running JobManager off the fake REST server:
// it runs, but its REST API cannot be reached.
func jobsRemove(d *driver) { jobs.Remove(d.sim.prefix()) }

// TestAdoptionCrashAtEveryStep stops the operator at each step boundary of
// an adoption that must restart the JobManager, then lets a new operator
// finish: exactly one savepoint, and the new job restores from it.
func TestAdoptionCrashAtEveryStep(t *testing.T) {
	for stopAt := 1; ; stopAt++ {
		stopped := false
		t.Run(fmt.Sprintf("stop at step %d", stopAt), func(t *testing.T) {
			d := referenceCluster(t, "adoptcrash", "native", differentCPULimit)
			hits := 0
			var at reconciler.Step
			d.r = adoptingReconciler(func(s reconciler.Step) bool {
				if hits++; hits == stopAt {
					at = s
					return true
				}
				return false
			})
			for i := 0; i < 60 && at == ""; i++ {
				_ = d.pass()
				if fd := getFD(t, d.sim.ns, "adoptcrash"); adopted(fd) && len(d.sim.starts) == 2 {
					break
				}
			}
			stopped = at != ""
			if stopped {
				t.Logf("stopped at %s", at)
			}
			d.r = adoptingReconciler(nil)
			fd := d.until("adopted after restart", 80, func(fd *v1beta1.FlinkDeployment) bool { return adopted(fd) && len(d.sim.starts) == 2 })
			restoredFromSavepoint(t, d, fd)
			assertFinalizersSwapped(t, fd)
		})
		if !stopped || t.Failed() {
			return
		}
	}
}

func TestReferenceFinalizerRemovedOnDeleteBeforeAdoption(t *testing.T) {
	d := referenceCluster(t, "adoptdel", "native", nil)
	fd := getFD(t, d.sim.ns, "adoptdel")
	require.Equal(t, []string{referenceFinalizer}, fd.Finalizers)
	require.NoError(t, k8s.Delete(ctx, fd))
	d.until("deleted", 20, func(fd *v1beta1.FlinkDeployment) bool { return fd == nil })
}

// schemaResource names a kind's resource for a NotFound error.
func schemaResource(kind string) schema.GroupResource {
	group := ""
	switch kind {
	case "Deployment":
		group = "apps"
	case "Ingress":
		group = "networking.k8s.io"
	}
	return schema.GroupResource{Group: group, Resource: strings.ToLower(kind) + "s"}
}

func runtimeConvert(u *unstructured.Unstructured, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}

// Only the ownership Flink's native client sets (the cluster's JobManager
// Deployment as controller) is taken over. An object of the same name that
// another controller owns is someone else's: the apply is refused with an
// error naming that controller, and the object keeps its owner.
func TestAnObjectAnotherControllerOwnsIsNotTakenOver(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, statefulSpec("taken", "savepoint", ""))
	otherOwner := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "team-a",
		UID: "0b5e7a4e-0000-4000-8000-000000000001", Controller: ptr.To(true)}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "flink-config-taken", Namespace: ns,
		OwnerReferences: []metav1.OwnerReference{otherOwner}}, Data: map[string]string{"team": "a"}}
	require.NoError(t, k8s.Create(ctx, cm))

	d := &driver{t: t, sim: newSim(t, ns, "taken", "v1_20"), r: newDirectReconciler(nil)}
	var last error
	for range 3 {
		if err := d.pass(); err != nil {
			last = err
		}
	}
	require.Error(t, last, "the ConfigMap was taken over from its controller")
	assert.Contains(t, last.Error(), "Widget/team-a")
	assert.Contains(t, last.Error(), "not taken over")

	got := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(cm), got))
	require.Len(t, got.OwnerReferences, 1)
	assert.Equal(t, otherOwner.UID, got.OwnerReferences[0].UID, "the other controller lost its object")
	assert.Equal(t, "a", got.Data["team"])
}

// The reference operator, left running after the switch, puts its
// finalizer back: the user is warned, since two operators on one
// FlinkDeployment can restart its job, and the finalizer is removed again.
func TestAReferenceOperatorLeftRunningIsReported(t *testing.T) {
	d := referenceCluster(t, "twoops", "native", nil)
	log := recordEvents(d)
	fd := d.until("adopted", 20, adopted)
	assertFinalizersSwapped(t, fd)
	require.Empty(t, log.matching("Warning "+reconciler.ReasonReferenceOperatorActive, ""), "warned before the finalizer came back")

	updateFD(t, d.sim.ns, "twoops", func(fd *v1beta1.FlinkDeployment) {
		fd.Finalizers = append(fd.Finalizers, referenceFinalizer)
	})
	require.NoError(t, d.pass())
	assert.NotEmpty(t, log.matching("Warning "+reconciler.ReasonReferenceOperatorActive, "still manages this FlinkDeployment"))
	got := &v1beta1.FlinkDeployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "twoops"}, got))
	assertFinalizersSwapped(t, got)
}
