package sessionjob

import (
	"context"
	"sort"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// ReferencingJobs names (namespace/name, sorted) the FlinkSessionJobs
// whose spec.deploymentName is the session fd, those being deleted
// included: their finalizers need the session's JobManager to end their
// jobs. The FlinkDeployment controller blocks the session's deletion
// while any is left (reconciler.Reconciler.SessionJobsOf).
func ReferencingJobs(ctx context.Context, c client.Reader, fd *v1beta1.FlinkDeployment) ([]string, error) {
	list := &v1beta1.FlinkSessionJobList{}
	// Filtered here rather than by a field index, so that any reader
	// (the manager's cache, or the API server) answers the same.
	if err := c.List(ctx, list, client.InNamespace(fd.Namespace)); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("list the FlinkSessionJobs of the session: %w", err)
	}
	names := make([]string, 0, len(list.Items))
	for i := range list.Items {
		if list.Items[i].Spec.DeploymentName != fd.Name {
			continue
		}
		names = append(names, list.Items[i].Namespace+"/"+list.Items[i].Name)
	}
	sort.Strings(names)
	return names, nil
}

// RunningJobs names (namespace/name, sorted) the FlinkSessionJobs of the
// session fd whose job runs there or is being submitted: a job is
// recorded as submitted (status.deployedWith), or a submission, upgrade or
// suspend is in progress (status.upgrade). A restart of the session would
// end those jobs without a savepoint, so the gate holds it while any is
// left (reconciler.Reconciler.SessionJobsRunningOn). Suspended session
// jobs, and those still waiting for the session, are not counted.
func RunningJobs(ctx context.Context, c client.Reader, fd *v1beta1.FlinkDeployment) ([]string, error) {
	list := &v1beta1.FlinkSessionJobList{}
	if err := c.List(ctx, list, client.InNamespace(fd.Namespace)); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("list the FlinkSessionJobs running on the session: %w", err)
	}
	var names []string
	for i := range list.Items {
		sj := &list.Items[i]
		if sj.Spec.DeploymentName != fd.Name || (sj.Status.DeployedWith == nil && sj.Status.Upgrade == nil) {
			continue
		}
		names = append(names, sj.Namespace+"/"+sj.Name)
	}
	sort.Strings(names)
	return names, nil
}
