package reconciler

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// ReasonDeletionBlocked: a session FlinkDeployment is being deleted while
// FlinkSessionJobs still reference it; the cluster stays until they are
// gone, so their finalizers can end their jobs on it.
const ReasonDeletionBlocked = "DeletionBlocked"

// deletionBlockedPrefix starts status.error while the deletion is blocked.
const deletionBlockedPrefix = "deletion blocked: "

// blockedBySessionJobs keeps a deleted session cluster while
// FlinkSessionJobs reference it, as the reference operator does: deleting
// it first would leave their jobs without a JobManager to cancel or
// savepoint them, and their finalizers would give up after the cleanup
// timeout. It is not bounded by that timeout: the user decides by
// deleting the session jobs. done is false when the deletion may go on.
func (r *Reconciler) blockedBySessionJobs(ctx context.Context, fd *v1beta1.FlinkDeployment) (res ctrl.Result, done bool, err error) {
	if r.SessionJobsOf == nil || fd.Spec.Job != nil {
		return ctrl.Result{}, false, nil
	}
	jobs, err := r.SessionJobsOf(ctx, fd)
	if err != nil {
		return ctrl.Result{}, true, err
	}
	if len(jobs) == 0 {
		if strings.HasPrefix(fd.Status.Error, deletionBlockedPrefix) {
			fd.Status.Error = ""
		}
		return ctrl.Result{}, false, nil
	}
	original := fd.DeepCopy()
	msg := fmt.Sprintf(deletionBlockedPrefix+"FlinkSessionJobs %s reference session %s; the cluster is kept so that their jobs can be ended on it. Delete them first",
		strings.Join(jobs, ", "), fd.Name)
	if fd.Status.Error != msg {
		r.event(fd, "Warning", ReasonDeletionBlocked, actionDelete, msg)
	}
	fd.Status.Error = msg
	if err := r.writeStatus(ctx, original, fd); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return ctrl.Result{}, true, err
	}
	return ctrl.Result{RequeueAfter: r.progressInterval()}, true, nil
}
