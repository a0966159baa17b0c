package reconciler

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// Flink's Kubernetes HA ConfigMaps (flink-facts.md §4). The operator only
// reads their names and data keys; it never decodes the state handles.
// The checkpoint pointer key is the same in every version.
const haCheckpointKeyPrefix = "checkpointID-"

// The names of a job's HA ConfigMap and of the job graph keys changed
// between Flink versions (the version table, templates/versions). HA data
// may have been written by any version the cluster ran, so every version's
// names are matched.
var haJobConfigMapSuffixes, haJobGraphKeyPrefixes = haNamesOfAllVersions()

func haNamesOfAllVersions() (suffixes, prefixes []string) {
	for _, f := range versions.All() {
		if !slices.Contains(suffixes, f.HAJobConfigMapSuffix) {
			suffixes = append(suffixes, f.HAJobConfigMapSuffix)
		}
		for _, p := range f.HAJobGraphKeyPrefixes {
			if !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
	}
	return suffixes, prefixes
}

// isJobHAConfigMap: the ConfigMap holds a job's checkpoint pointers, not
// the cluster's leader information (<name>-cluster-config-map).
func isJobHAConfigMap(name string) bool {
	if strings.HasSuffix(name, "-cluster-config-map") {
		return false
	}
	for _, suffix := range haJobConfigMapSuffixes {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// isJobGraphKey: the HA data key holds a job graph (an execution plan
// from 2.0).
func isJobGraphKey(key string) bool {
	for _, p := range haJobGraphKeyPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// haConfigMaps lists the HA ConfigMaps Flink keeps for the cluster, from
// the API server: the caches hold only the operator's own objects.
func (r *Reconciler) haConfigMaps(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]corev1.ConfigMap, error) {
	list := &corev1.ConfigMapList{}
	if err := r.APIReader.List(ctx, list, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: haSelector(fd.Name)}); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("list HA ConfigMaps: %w", err)
	}
	out := list.Items[:0]
	for _, cm := range list.Items {
		if cm.DeletionTimestamp.IsZero() && isHAConfigMap(fd.Name, &cm) {
			out = append(out, cm)
		}
	}
	return out, nil
}

// observeHA reads whether job HA metadata exists and the latest checkpoint
// id it holds, as the reference operator decides (FlinkUtils).
func (r *Reconciler) observeHA(ctx context.Context, fd *v1beta1.FlinkDeployment) (gate.HAObservation, error) {
	obs := gate.HAObservation{Enabled: true}
	cms, err := r.haConfigMaps(ctx, fd)
	if err != nil {
		return obs, err
	}
	for _, cm := range cms {
		if !isJobHAConfigMap(cm.Name) {
			continue
		}
		obs.MetadataAvailable = true
		for key := range cm.Data {
			if !strings.HasPrefix(key, haCheckpointKeyPrefix) {
				continue
			}
			if id, err := strconv.ParseInt(strings.TrimPrefix(key, haCheckpointKeyPrefix), 10, 64); err == nil && id > obs.LatestCheckpointID {
				obs.LatestCheckpointID = id
			}
		}
	}
	return obs, nil
}

// stripJobGraphs removes the job graphs (execution plans from 2.0) from
// the HA ConfigMaps, keeping the checkpoints, so that the JobManager of a
// last-state upgrade runs the new job from the old checkpoints instead of
// recovering the old job graph.
func (r *Reconciler) stripJobGraphs(ctx context.Context, fd *v1beta1.FlinkDeployment) error {
	cms, err := r.haConfigMaps(ctx, fd)
	if err != nil {
		return err
	}
	for i := range cms {
		cm := &cms[i]
		changed := false
		for key := range cm.Data {
			if isJobGraphKey(key) {
				delete(cm.Data, key)
				changed = true
			}
		}
		if !changed {
			continue
		}
		if err := beforeSideEffect(ctx); err != nil {
			return err
		}
		// Update carries the resourceVersion read above, so a concurrent
		// writer (a JobManager still alive) makes this fail, not lose data.
		if err := r.Client.Update(ctx, cm); err != nil {
			return objref.Of("ConfigMap", cm).Errorf("remove job graphs from HA data: %w", err)
		}
	}
	return nil
}

// deleteHA deletes Flink's HA ConfigMaps of the cluster.
func (r *Reconciler) deleteHA(ctx context.Context, fd *v1beta1.FlinkDeployment) error {
	cms, err := r.haConfigMaps(ctx, fd)
	if err != nil {
		return err
	}
	var errs []error
	for i := range cms {
		cm := &cms[i]
		if err := beforeSideEffect(ctx); err != nil {
			return err
		}
		if err := r.Client.Delete(ctx, cm); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, objref.Of("ConfigMap", cm).Errorf("delete HA data: %w", err))
		}
	}
	return errors.Join(errs...)
}
