package reconciler

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The JobManager's own objects, read from the API server rather than the
// caches: what they show decides whether a JobManager may be (re)created
// and whether Flink's HA data may be touched.

func jobManagerPodSelector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelApp: name, labelComponent: "jobmanager"})
}

// jobManagerAbsent reports whether the JobManager Deployment of fd is
// absent from the API server, and whether JobManager pods of fd are left.
func (r *Reconciler) jobManagerAbsent(ctx context.Context, fd *v1beta1.FlinkDeployment) (absent, podsLeft bool, err error) {
	dep := &metav1.PartialObjectMetadata{}
	dep.SetGroupVersionKind(deploymentGVK)
	err = r.APIReader.Get(ctx, client.ObjectKey{Namespace: fd.Namespace, Name: fd.Name}, dep)
	switch {
	case err == nil:
		return false, false, nil
	case !apierrors.IsNotFound(err):
		return false, false, objref.Of("Deployment", fd).Errorf("get: %w", err)
	}
	pods := &metav1.PartialObjectMetadataList{}
	pods.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("PodList"))
	if err := r.APIReader.List(ctx, pods, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: jobManagerPodSelector(fd.Name)}, client.Limit(1)); err != nil {
		return true, false, objref.Of("FlinkDeployment", fd).Errorf("list JobManager pods: %w", err)
	}
	return true, len(pods.Items) > 0, nil
}

// jobManagerGone: neither the JobManager Deployment nor a JobManager pod
// of fd exists, so no JobManager can write Flink's HA data.
func (r *Reconciler) jobManagerGone(ctx context.Context, fd *v1beta1.FlinkDeployment) (bool, error) {
	absent, podsLeft, err := r.jobManagerAbsent(ctx, fd)
	return absent && !podsLeft, err
}

// clearHAForDeploy removes, before an application deploy, the job graphs
// from Flink's HA ConfigMaps or (deleteAll, a stateless deploy) all of its
// HA data. It does so only while no JobManager of the cluster exists: when
// one does, it is the one this very deploy started before the operator
// stopped, and its HA data is not to be touched.
func (r *Reconciler) clearHAForDeploy(ctx context.Context, fd *v1beta1.FlinkDeployment, deleteAll bool) error {
	gone, err := r.jobManagerGone(ctx, fd)
	if err != nil || !gone {
		return err
	}
	if deleteAll {
		return r.deleteHA(ctx, fd)
	}
	return r.stripJobGraphs(ctx, fd)
}

// podTemplateChanges reports whether applying obj, a Deployment that
// exists, would change its pod template, which restarts its pods. A
// server-side dry run computes exactly what the apply would leave, with
// the API server's defaults, and it is compared with the live object.
func (r *Reconciler) podTemplateChanges(ctx context.Context, key objectKey, obj *unstructured.Unstructured) (bool, error) {
	live := &appsv1.Deployment{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: key.namespace, Name: key.name}, live); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("%s: get: %w", key, err)
	}
	dry := obj.DeepCopy()
	if err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(dry), client.FieldOwner(FieldManager), client.ForceOwnership, client.DryRunAll); err != nil {
		return false, fmt.Errorf("%s: dry-run apply: %w", key, err)
	}
	after := &appsv1.Deployment{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(dry.Object, after); err != nil {
		return false, fmt.Errorf("%s: read dry-run apply: %w", key, err)
	}
	return !apiequality.Semantic.DeepEqual(live.Spec.Template, after.Spec.Template), nil
}
