package reconciler

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Labels the renderer puts on objects, and the ones Flink puts on its HA
// ConfigMaps (flink-facts.md §4).
const (
	labelApp          = "app"
	labelComponent    = "component"
	labelManagedBy    = "app.kubernetes.io/managed-by"
	managedByOperator = "flink-operator"

	// FieldManager owns every field the operator applies. It must never
	// change: a new name would orphan the old one's fields.
	FieldManager = "flink-operator"

	// Finalizer lets the operator clean up before a FlinkDeployment goes.
	Finalizer = "flink.apache.org/finalizer"

	// ReferenceFinalizer is the Apache Flink Kubernetes Operator's. Once
	// this operator's own is on a FlinkDeployment it adopts, the
	// reference's is removed: nothing would ever remove it, and the
	// FlinkDeployment could not be deleted (docs/migration.md).
	ReferenceFinalizer = "flinkdeployments.flink.apache.org/finalizer"
)

// ManagedSelector selects every object this operator applies; the watch
// caches are filtered by it so the operator never caches, say, every
// ConfigMap of the cluster.
func ManagedSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelManagedBy: managedByOperator})
}

// JobManagerPodSelector selects the JobManager pods of any Flink cluster,
// native or standalone; their pods carry Flink's labels, not ours.
func JobManagerPodSelector() labels.Selector {
	req, _ := labels.NewRequirement(labelComponent, selection.Equals, []string{"jobmanager"})
	typ, _ := labels.NewRequirement("type", selection.In, []string{"flink-native-kubernetes", "flink-standalone-kubernetes"})
	return labels.NewSelector().Add(*req, *typ)
}

func clusterSelector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelApp: name, labelManagedBy: managedByOperator})
}

// clusterDeploymentSelector selects the JobManager and TaskManager
// Deployments of a cluster by Flink's own labels, which the renderer sets
// too: a take-down must also find (and wait for) the Deployments of a
// cluster another operator made and this one adopts (adopt.go). Callers
// keep only those the FlinkDeployment owns.
func clusterDeploymentSelector(name string) labels.Selector {
	return clusterPodSelector(name)
}

// haSelector narrows the search for the HA ConfigMaps Flink creates for a
// cluster to its app label; isHAConfigMap picks them by name. Flink's own
// "configmap-type: high-availability" label cannot be relied on: the HA
// ConfigMaps real Flink 2.2 created on the dev cluster carried only app and
// type (the leader elector creates them), so a selector on it found none and
// every last-state upgrade was held for missing HA metadata.
func haSelector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelApp: name})
}

// haConfigMapName matches the names Flink gives a cluster's HA ConfigMaps
// (flink-facts.md §4): <id>-cluster-config-map and <id>-<job>-config-map
// from 1.15; <id>-{dispatcher,resourcemanager,restserver}-leader and
// <id>-<job>-jobmanager-leader before.
var haConfigMapName = regexp.MustCompile(`^-(cluster-config-map|[0-9a-f]{32}-config-map|(dispatcher|resourcemanager|restserver)-leader|[0-9a-f]{32}-jobmanager-leader)$`)

// isHAConfigMap reports whether a ConfigMap of the cluster's app label is
// one of Flink's HA ConfigMaps for the cluster with that name.
func isHAConfigMap(cluster string, cm *corev1.ConfigMap) bool {
	if cm.Labels[labelManagedBy] == managedByOperator {
		return false // the operator's own (flink-config-<name>, pod-template-<name>)
	}
	suffix, ok := strings.CutPrefix(cm.Name, cluster)
	return ok && haConfigMapName.MatchString(suffix)
}

// clusterPodSelector selects the JobManager and TaskManager pods of a
// cluster, by Flink's own labels.
func clusterPodSelector(name string) labels.Selector {
	app, _ := labels.NewRequirement(labelApp, selection.Equals, []string{name})
	comp, _ := labels.NewRequirement(labelComponent, selection.In, []string{"jobmanager", "taskmanager"})
	return labels.NewSelector().Add(*app, *comp)
}
