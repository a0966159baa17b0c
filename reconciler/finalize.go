package reconciler

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// finalize removes a deleted FlinkDeployment's cluster and its HA
// ConfigMaps, then lets the FlinkDeployment go. Owner references would
// garbage-collect the cluster objects anyway; deleting them here makes
// deletion prompt and visible, and HA ConfigMaps (created by Flink, owned by
// nobody) would otherwise stay behind. Cleanup never blocks deletion for
// ever: after CleanupTimeout the finalizer is removed with a warning.
func (r *Reconciler) finalize(ctx context.Context, fd *v1beta1.FlinkDeployment) (ctrl.Result, error) {
	// A FlinkDeployment of the reference operator deleted before this
	// operator adopted it holds only the reference's finalizer, which
	// nothing else would remove now: it is cleaned up as one of ours.
	if !controllerutil.ContainsFinalizer(fd, Finalizer) && !controllerutil.ContainsFinalizer(fd, ReferenceFinalizer) {
		return ctrl.Result{}, nil
	}
	if res, blocked, err := r.blockedBySessionJobs(ctx, fd); blocked || err != nil {
		return res, err
	}
	original := fd.DeepCopy()
	if fd.Status.LifecycleState != v1beta1.LifecycleDeleting {
		r.event(fd, "Normal", ReasonCleanup, actionDelete, "Cleaning up FlinkDeployment")
		fd.Status.LifecycleState = v1beta1.LifecycleDeleting
	}

	waiting, cleanupErr := r.deleteCluster(ctx, fd)
	if cleanupErr == nil && waiting != "" {
		elapsed := r.now().Sub(fd.DeletionTimestamp.Time)
		if elapsed < r.cleanupTimeout() {
			if fd.Status.Error != waiting {
				r.event(fd, "Normal", ReasonCleanup, actionDelete, waiting)
			}
			fd.Status.Error = waiting
			if err := r.writeStatus(ctx, original, fd); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				return ctrl.Result{}, err
			}
			return ctrl.Result{RequeueAfter: r.GatePolicy.WithDefaults().TakeDownPollInterval}, nil
		}
		// Deleting HA data under a live JobManager would only let it
		// write it again; a FlinkDeployment created later with this name
		// removes what is left before it deploys.
		r.event(fd, "Warning", ReasonCleanupFailed, actionDelete,
			fmt.Sprintf("giving up cleanup after %s: JobManager pods of the cluster are still there, so Flink's HA ConfigMaps (%[2]s-cluster-config-map, %[2]s-<job id>-config-map) are left behind; delete them once the pods are gone", elapsed.Round(1e9), fd.Name))
	} else if cleanupErr != nil {
		elapsed := r.now().Sub(fd.DeletionTimestamp.Time)
		if elapsed < r.cleanupTimeout() {
			fd.Status.Error = "cleanup failed, retrying: " + cleanupErr.Error()
			r.event(fd, "Warning", ReasonCleanupFailed, actionDelete, cleanupErr.Error())
			if err := r.writeStatus(ctx, original, fd); err != nil && !apierrors.IsNotFound(err) {
				return ctrl.Result{}, errors.Join(cleanupErr, err)
			}
			return ctrl.Result{}, cleanupErr
		}
		r.event(fd, "Warning", ReasonCleanupFailed, actionDelete,
			fmt.Sprintf("giving up cleanup after %s, objects owned by the FlinkDeployment are left to garbage collection: %v", elapsed.Round(1e9), cleanupErr))
		log.FromContext(ctx).Error(cleanupErr, "cleanup timed out; removing finalizer")
	} else if err := r.writeStatus(ctx, original, fd); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return ctrl.Result{}, err
	}
	if err := r.stepHook(StepClusterDeleted); err != nil {
		return ctrl.Result{}, err
	}

	// Guarded by the resourceVersion read: a merge patch replaces the whole
	// finalizer list, so a stale copy would put back or drop others'
	// finalizers. A conflict means a newer version exists; the next pass
	// reads it and finishes.
	patch := client.MergeFromWithOptions(fd.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(fd, Finalizer)
	controllerutil.RemoveFinalizer(fd, ReferenceFinalizer)
	if err := r.Client.Patch(ctx, fd, patch); err != nil && !apierrors.IsNotFound(err) {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, objref.Of("FlinkDeployment", fd).Errorf("remove finalizer: %w", err)
	}
	r.restBackoff.Delete(fd.UID)
	r.forgetStrict(fd.UID)
	r.renders.forget(client.ObjectKeyFromObject(fd))
	r.fresh.forget(client.ObjectKeyFromObject(fd))
	return ctrl.Result{}, nil
}

// deleteCluster deletes every object of the cluster and then its HA
// ConfigMaps, once no JobManager pod is left: a JobManager still shutting
// down could write them again, and a later FlinkDeployment of the same
// name would recover its job from them. It returns what it waits for.
func (r *Reconciler) deleteCluster(ctx context.Context, fd *v1beta1.FlinkDeployment) (string, error) {
	owned, err := r.ownedObjects(ctx, fd)
	if err != nil {
		return "", err
	}
	var errs []error
	for _, obj := range owned {
		if err := r.Client.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, objref.Of(obj.GetObjectKind().GroupVersionKind().Kind, obj).Errorf("delete: %w", err))
		}
		r.memo.forget(objectKey{gvk: obj.GetObjectKind().GroupVersionKind(), namespace: obj.GetNamespace(), name: obj.GetName()})
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	// HA ConfigMaps are Flink's, owned by nobody; the caches do not hold
	// them.
	cms, err := r.haConfigMaps(ctx, fd)
	if err != nil || len(cms) == 0 {
		return "", err
	}
	gone, err := r.jobManagerGone(ctx, fd)
	if err != nil {
		return "", err
	}
	if !gone {
		return "waiting for the JobManager pods to terminate before deleting Flink's HA ConfigMaps", nil
	}
	return "", r.deleteHA(ctx, fd)
}
