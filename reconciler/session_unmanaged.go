package reconciler

import (
	"context"
	"fmt"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// blockedByUnmanagedJobs keeps a deleted session cluster while jobs that
// no FlinkSessionJob manages run on it (submitted with the Flink CLI, the
// web UI or a FlinkSessionJob that is gone), as the reference operator
// does: deleting the cluster would end them without a savepoint, and no
// finalizer of theirs would ever take one. It is asked only when no
// FlinkSessionJob names the session (blockedBySessionJobs), so every job
// left is unmanaged. The session's
// kubernetes.operator.session.deletion.block-on-unmanaged-jobs: false
// turns it off.
//
// A JobManager that is not READY runs no job the operator could list; one
// that is READY but does not answer is asked again until the cleanup
// timeout, and then the deletion goes on with a Warning: a broken cluster
// must not be kept for ever. done is false when the deletion may go on.
func (r *Reconciler) blockedByUnmanagedJobs(ctx context.Context, fd *v1beta1.FlinkDeployment) (res ctrl.Result, done bool, err error) {
	clear := func() (ctrl.Result, bool, error) {
		if strings.HasPrefix(fd.Status.Error, deletionBlockedPrefix) {
			fd.Status.Error = ""
		}
		return ctrl.Result{}, false, nil
	}
	if fd.Status.JobManagerDeploymentStatus != v1beta1.JMReady || !flinkconf.Read(&fd.Spec).Operator.BlockOnUnmanagedJobs {
		return clear()
	}
	deployed, _ := lastReconciledSpec(&fd.Status)
	jobs, listErr := r.restClient(fd, deployed, RESTURL(r.RESTURLTemplate, fd.Namespace, fd.Name)).ListJobs(ctx)
	var msg string
	if listErr != nil {
		elapsed := r.now().Sub(fd.DeletionTimestamp.Time)
		if elapsed >= r.cleanupTimeout() {
			r.event(fd, "Warning", ReasonCleanupFailed, actionDelete, fmt.Sprintf(
				"giving up asking session %s for jobs no FlinkSessionJob manages after %s (%v): deleting the cluster; any job still running on it ends without a savepoint",
				fd.Name, elapsed.Round(1e9), listErr))
			return clear()
		}
		msg = fmt.Sprintf(deletionBlockedPrefix+"cannot list the jobs of session %s to check that none runs unmanaged (%v); asking again until the cleanup timeout",
			fd.Name, listErr)
	} else {
		var running []string
		for _, j := range jobs {
			if !j.State.IsGloballyTerminal() {
				running = append(running, fmt.Sprintf("%s (%q, %s)", j.ID, j.Name, j.State))
			}
		}
		if len(running) == 0 {
			return clear()
		}
		msg = fmt.Sprintf(deletionBlockedPrefix+"jobs %s run on session %s and no FlinkSessionJob manages them; the cluster is kept so that they do not end without a savepoint. "+
			"Stop them (with a savepoint, or cancel them), or set %s: \"false\" on the session",
			strings.Join(running, ", "), fd.Name, flinkconf.KeyBlockOnUnmanagedJobs)
	}
	return r.blockDeletion(ctx, fd, msg)
}
