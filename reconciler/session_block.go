package reconciler

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// ReasonDeletionBlocked: a session FlinkDeployment is being deleted while
// FlinkSessionJobs still reference it; the cluster stays until they are
// gone, so their finalizers can end their jobs on it.
const ReasonDeletionBlocked = "DeletionBlocked"

// ReasonDeletionNotBlocked: a session FlinkDeployment is deleted while
// FlinkSessionJobs reference it, because its configuration turned the
// block off; their jobs end with the cluster.
const ReasonDeletionNotBlocked = "DeletionNotBlocked"

// deletionBlockedPrefix starts status.error while the deletion is blocked.
const deletionBlockedPrefix = "deletion blocked: "

// blockedBySessionJobs keeps a deleted session cluster while
// FlinkSessionJobs reference it, as the reference operator does: deleting
// it first would leave their jobs without a JobManager to cancel or
// savepoint them, and their finalizers would give up after the cleanup
// timeout. It is not bounded by that timeout: the user decides by
// deleting the session jobs, or by turning the block off
// (flinkconf.KeyBlockOnSessionJobs: false), which ends their jobs with the
// cluster, without a savepoint. done is false when the deletion may go on.
func (r *Reconciler) blockedBySessionJobs(ctx context.Context, fd *v1beta1.FlinkDeployment) (res ctrl.Result, done bool, err error) {
	if fd.Spec.Job != nil {
		return ctrl.Result{}, false, nil
	}
	if r.SessionJobsOf == nil {
		return r.blockedByUnmanagedJobs(ctx, fd)
	}
	jobs, err := r.SessionJobsOf(ctx, fd)
	if err != nil {
		return ctrl.Result{}, true, err
	}
	if len(jobs) > 0 && !flinkconf.Read(&fd.Spec).Operator.BlockOnSessionJobs {
		// The jobs left are theirs, which the user chose to end with the
		// cluster; no job is told apart as unmanaged.
		r.event(fd, "Warning", ReasonDeletionNotBlocked, actionDelete, fmt.Sprintf(
			"%s is false: deleting session %s although FlinkSessionJobs %s reference it; their jobs end with the cluster, without a savepoint",
			flinkconf.KeyBlockOnSessionJobs, fd.Name, strings.Join(jobs, ", ")))
		return ctrl.Result{}, false, nil
	}
	if len(jobs) == 0 {
		return r.blockedByUnmanagedJobs(ctx, fd)
	}
	return r.blockDeletion(ctx, fd, fmt.Sprintf(deletionBlockedPrefix+"FlinkSessionJobs %s reference session %s; the cluster is kept so that their jobs can be ended on it. Delete them first",
		strings.Join(jobs, ", "), fd.Name))
}

// blockDeletion keeps a session being deleted, saying why in status.error
// (msg starts with deletionBlockedPrefix) and with one Warning per reason,
// and looks again after the progress interval.
func (r *Reconciler) blockDeletion(ctx context.Context, fd *v1beta1.FlinkDeployment, msg string) (ctrl.Result, bool, error) {
	original := fd.DeepCopy()
	if fd.Status.Error != msg {
		r.event(fd, "Warning", ReasonDeletionBlocked, actionDelete, msg)
	}
	fd.Status.Error = msg
	if err := r.writeStatus(ctx, original, fd); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return ctrl.Result{}, true, err
	}
	return ctrl.Result{RequeueAfter: r.progressInterval()}, true, nil
}
