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
