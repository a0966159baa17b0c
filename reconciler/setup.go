package reconciler

import (
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// NewScheme registers the kinds the operator reads and writes, and no
// others: client-go's full scheme (every built-in API group) would be a
// second copy of its global one, over a megabyte of type tables that the
// operator's client never uses. Leader election and events go through
// client-go's own clients and scheme.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme,       // ConfigMaps, Services, Pods, Events
		appsv1.AddToScheme,       // Deployments
		networkingv1.AddToScheme, // Ingresses
		// The webhook's own ValidatingWebhookConfiguration (its caBundle).
		admissionregistrationv1.AddToScheme,
		v1beta1.AddToScheme, // FlinkDeployments
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// CacheOptions limits what the manager caches: only the watched namespaces
// (all when empty), only FlinkDeployments matching crSelector (for sharding
// a fleet across operator instances), and of the kinds the operator
// creates, only objects it labelled. Pods are cached only when they are
// JobManagers, for failure detection. Every cached object is trimmed to
// what the reconciler reads (see the transforms below): at 1,000
// FlinkDeployments the caches are most of the live heap.
func CacheOptions(namespaces []string, crSelector labels.Selector) cache.Options {
	opts := cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}:        {Label: ManagedSelector(), Transform: slimChildMetadata},
			&corev1.Service{}:          {Label: ManagedSelector(), Transform: slimChildMetadata},
			&appsv1.Deployment{}:       {Label: ManagedSelector(), Transform: slimDeployment},
			&networkingv1.Ingress{}:    {Label: ManagedSelector(), Transform: slimChildMetadata},
			&corev1.Pod{}:              {Label: JobManagerPodSelector(), Transform: slimPod},
			&v1beta1.FlinkDeployment{}: {Label: crSelector, Transform: slimFlinkDeployment},
		},
		// Any other kind someone reads through the cache still sheds its
		// managedFields, which nothing in the operator reads.
		DefaultTransform: cache.TransformStripManagedFields(),
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// SetupWithManager registers the controller. Changes to owned objects
// (someone editing or deleting the JobManager Deployment) wake the
// controller for their FlinkDeployment, which is how drift is corrected.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1beta1.FlinkDeployment{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			predicate.LabelChangedPredicate{},
			deletionPredicate(),
		))).
		Owns(&corev1.ConfigMap{}, builder.OnlyMetadata, builder.WithPredicates(r.notOwnCreation(corev1.SchemeGroupVersion.WithKind("ConfigMap")))).
		Owns(&corev1.Service{}, builder.OnlyMetadata, builder.WithPredicates(r.notOwnCreation(corev1.SchemeGroupVersion.WithKind("Service")))).
		Owns(&networkingv1.Ingress{}, builder.OnlyMetadata, builder.WithPredicates(r.notOwnCreation(networkingv1.SchemeGroupVersion.WithKind("Ingress")))).
		Owns(&appsv1.Deployment{}, builder.WithPredicates(r.notOwnCreation(deploymentGVK))).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, maxConcurrent)}).
		Named("flinkdeployment").
		Complete(metrics.InstrumentReconciler(r))
}

// notOwnCreation drops, from the events that wake the controller, the
// creation of a child of kind gvk that this operator's own apply made: the
// apply memo holds it at the very resourceVersion the event shows, or the
// apply is still on its way (its watch event can overtake its answer). The pass
// that applied it observes the cluster and writes status itself, so the
// creation has nothing to tell; the pass it would start, right after that
// write, found nothing to do but read the FlinkDeployment again from the
// API server whenever the cache had not yet seen the write (fence.go;
// issue 23). Any other creation (at start-up, when the memo is empty; by
// someone else, at another resourceVersion) still wakes the controller, as
// do every change and deletion.
func (r *Reconciler) notOwnCreation(gvk schema.GroupVersionKind) predicate.Predicate {
	if i := slices.Index(renderer.KindOrder, gvk); i >= 0 {
		gvk = renderer.KindOrder[i] // the memo's canonical key (keyOf)
	}
	return predicate.Funcs{CreateFunc: func(e event.CreateEvent) bool {
		key := objectKey{gvk: gvk, namespace: e.Object.GetNamespace(), name: e.Object.GetName()}
		return !r.memo.madeBy(key, e.Object.GetResourceVersion())
	}}
}

// deletionPredicate passes updates that start or progress a deletion.
func deletionPredicate() predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool {
		return !o.GetDeletionTimestamp().IsZero()
	})
}

// metadataOnly is the cache key for a metadata-only informer of a kind.
func metadataOnly(gvk schema.GroupVersionKind) client.Object {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	return m
}

// typedChildren are the children read with their full (slimmed) object;
// every other kind the renderer emits is read as metadata only.
var typedChildren = map[schema.GroupVersionKind]bool{appsv1.SchemeGroupVersion.WithKind("Deployment"): true}

// The cache transforms below drop, before an object is stored, what the
// reconciler never reads from the cache. They are safe only because of how
// cached objects are used, which is why they are listed here:
//
//   - Children (ConfigMaps, Services, Ingresses, Deployments) and Pods are
//     only read: their resourceVersion and generation (the apply memo and
//     drift detection), labels, owner references and name (prune), and
//     Deployment and Pod status (observation). They are never written
//     back from the cache: apply sends the rendered object, and deletes
//     name the object only.
//   - A FlinkDeployment is written back only as merge patches computed
//     between two copies of the same cached object (status, finalizers),
//     so a field that the transform dropped is absent from both copies and
//     never appears in a patch. It must never be written with Update, which
//     would remove what the transform dropped.
//
// managedFields alone are often the biggest part of an object: every
// server-side-applied child lists each of its fields there.

// slimFlinkDeployment drops managedFields and the copy of the whole object
// that `kubectl apply` keeps in an annotation; spec, status, labels and the
// other annotations stay. A stable cluster's status holds the same spec
// JSON twice (last reconciled and last stable); the two then share one
// string, which changes no value.
func slimFlinkDeployment(obj any) (any, error) {
	if fd, ok := obj.(*v1beta1.FlinkDeployment); ok {
		fd.ManagedFields = nil
		delete(fd.Annotations, corev1.LastAppliedConfigAnnotation)
		rs := &fd.Status.ReconciliationStatus
		if rs.LastStableSpec == rs.LastReconciledSpec {
			rs.LastStableSpec = rs.LastReconciledSpec
		}
	}
	return obj, nil
}

// slimChildMetadata trims a metadata-only child (or, should anyone read
// one typed, the typed object's metadata) to what prune and the apply memo
// read: name, namespace, labels, owner references, resourceVersion and
// generation.
func slimChildMetadata(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
		m.SetAnnotations(nil)
	}
	return obj, nil
}

// slimDeployment keeps what observation reads: metadata and status. The pod
// template is most of a Deployment.
func slimDeployment(obj any) (any, error) {
	if dep, ok := obj.(*appsv1.Deployment); ok {
		dep.ManagedFields = nil
		dep.Annotations = nil
		dep.Spec.Template = corev1.PodTemplateSpec{}
	}
	return obj, nil
}

// slimPod keeps what failure detection reads: metadata and status.
func slimPod(obj any) (any, error) {
	if pod, ok := obj.(*corev1.Pod); ok {
		pod.ManagedFields = nil
		pod.Annotations = nil
		pod.Spec = corev1.PodSpec{}
	}
	return obj, nil
}
