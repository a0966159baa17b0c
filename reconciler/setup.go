package reconciler

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// NewScheme registers the kinds the operator reads and writes.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1beta1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// CacheOptions limits what the manager caches: only the watched namespaces
// (all when empty), only FlinkDeployments matching crSelector (for sharding
// a fleet across operator instances), and of the kinds the operator
// creates, only objects it labelled. Pods are cached only when they are
// JobManagers, for failure detection.
func CacheOptions(namespaces []string, crSelector labels.Selector) cache.Options {
	opts := cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}:        {Label: ManagedSelector()},
			&corev1.Service{}:          {Label: ManagedSelector()},
			&appsv1.Deployment{}:       {Label: ManagedSelector()},
			&networkingv1.Ingress{}:    {Label: ManagedSelector()},
			&corev1.Pod{}:              {Label: JobManagerPodSelector()},
			&v1beta1.FlinkDeployment{}: {Label: crSelector},
		},
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
		Owns(&corev1.ConfigMap{}, builder.OnlyMetadata).
		Owns(&corev1.Service{}, builder.OnlyMetadata).
		Owns(&networkingv1.Ingress{}, builder.OnlyMetadata).
		Owns(&appsv1.Deployment{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, maxConcurrent)}).
		Named("flinkdeployment").
		Complete(r)
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

// slimDeployment keeps what observation reads: metadata and status.
func slimDeployment(obj any) (any, error) {
	if dep, ok := obj.(*appsv1.Deployment); ok {
		dep.ManagedFields = nil
		dep.Spec.Template = corev1.PodTemplateSpec{}
		dep.Annotations = nil
	}
	return obj, nil
}

// slimPod keeps what failure detection reads: metadata and status.
func slimPod(obj any) (any, error) {
	if pod, ok := obj.(*corev1.Pod); ok {
		pod.ManagedFields = nil
		pod.Spec = corev1.PodSpec{}
		pod.Annotations = nil
	}
	return obj, nil
}
