package reconciler

// Taking over the objects of a cluster another operator made (the Apache
// Flink Kubernetes Operator; gate/adopt.go decides when, docs/migration.md
// tells the user). Flink's native client makes the JobManager Deployment
// the controller of the Services and ConfigMaps it creates beside it. The
// API server allows one controller per object, so applying such an object
// with this operator's owner reference fails until the Deployment's is
// removed. Nothing else about them changes: server-side apply takes over
// their fields.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// otherController reports whether the API server refused an apply because
// the object already has another controlling owner.
func otherController(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, cause := range status.Status().Details.Causes {
		if cause.Field == "metadata.ownerReferences" && strings.Contains(cause.Message, "Only one reference can have Controller set to true") {
			return true
		}
	}
	return false
}

// releaseFromOtherController removes from the live object key the
// controlling owner reference of the cluster's JobManager Deployment, as
// Flink's native client sets it; obj is the rendered object, with this
// operator's owner reference (the FlinkDeployment, whose name the
// JobManager Deployment has). Any other controller is left alone and the
// take-over refused: the object is someone else's, not a part of this
// cluster. The patch is guarded by the resourceVersion read, so an owner
// added meanwhile is never dropped.
func (r *Reconciler) releaseFromOtherController(ctx context.Context, key objectKey, obj *unstructured.Unstructured) error {
	mine := map[string]bool{}
	jobManager := ""
	for _, ref := range obj.GetOwnerReferences() {
		mine[string(ref.UID)] = true
		if ref.Kind == "FlinkDeployment" {
			jobManager = ref.Name
		}
	}
	live := metadataOnly(key.gvk).(*metav1.PartialObjectMetadata)
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: key.namespace, Name: key.name}, live); err != nil {
		return fmt.Errorf("%s: get to take it over from its controller: %w", key, err)
	}
	patch := client.MergeFromWithOptions(live.DeepCopy(), client.MergeFromWithOptimisticLock{})
	var keep []metav1.OwnerReference
	var released, foreign []string
	for _, ref := range live.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller || mine[string(ref.UID)] {
			keep = append(keep, ref)
			continue
		}
		if ref.Kind == "Deployment" && strings.HasPrefix(ref.APIVersion, "apps/") && ref.Name == jobManager && jobManager != "" {
			released = append(released, ref.Kind+"/"+ref.Name)
			continue
		}
		foreign = append(foreign, ref.Kind+"/"+ref.Name)
		keep = append(keep, ref)
	}
	if len(foreign) > 0 {
		return fmt.Errorf("%s: apply: the object is controlled by %s, not by this cluster's JobManager Deployment; "+
			"it is not taken over (rename or delete it)", key, strings.Join(foreign, ", "))
	}
	if len(released) == 0 {
		return nil
	}
	live.OwnerReferences = keep
	if err := r.Client.Patch(ctx, live, patch); err != nil {
		return fmt.Errorf("%s: remove the controlling owner reference of %s to take it over: %w", key, strings.Join(released, ", "), err)
	}
	log.FromContext(ctx).Info("took over an object another controller owned", "object", key.String(), "from", released)
	return nil
}
