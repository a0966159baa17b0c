package sessionjob

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Sharding (--label-selector). Operators that split a fleet by a label
// each cache only the FlinkDeployments their selector matches. A session
// job follows its session: it is reconciled by the operator whose
// selector matches its session FlinkDeployment, so session jobs need no
// shard label of their own (the reference's manifests work unchanged), and
// the jobs of one session are never split across operators that would
// each park, submit or sweep jars on the same JobManager.
//
// Every operator still caches every FlinkSessionJob of its namespaces:
// a session's deletion and restart are held while any session job names
// it (ReferencingJobs, RunningJobs), whichever operator reconciles it.

// owns reports whether this reconciler reconciles sj under Selector.
// Until the session exists the job's own labels decide, so that one
// operator (the one its labels select) reports that it waits.
func (r *Reconciler) owns(ctx context.Context, sj *v1beta1.FlinkSessionJob) (bool, error) {
	if r.Selector == nil || r.Selector.Empty() {
		return true, nil
	}
	key := client.ObjectKey{Namespace: sj.Namespace, Name: sj.Spec.DeploymentName}
	fd := &v1beta1.FlinkDeployment{}
	// The cache holds only the FlinkDeployments the selector matches.
	err := r.Client.Get(ctx, key, fd)
	if err == nil {
		return true, nil
	}
	if !apierrors.IsNotFound(err) {
		return false, objref.Of(Kind, sj).Errorf("read its session FlinkDeployment %s to tell which operator shard reconciles it: %w", key.Name, err)
	}
	// Not cached: another shard's session, one the cache has not seen
	// yet, or none.
	err = r.APIReader.Get(ctx, key, fd)
	switch {
	case err == nil:
		return r.Selector.Matches(labels.Set(fd.Labels)), nil
	case apierrors.IsNotFound(err):
		return r.Selector.Matches(labels.Set(sj.Labels)), nil
	default:
		return false, objref.Of(Kind, sj).Errorf("read its session FlinkDeployment %s from the API server to tell which operator shard reconciles it: %w", key.Name, err)
	}
}
