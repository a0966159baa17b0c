package reconciler

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Labels the renderer puts on objects, and the ones Flink puts on its HA
// ConfigMaps (flink-facts.md §4).
const (
	labelApp          = "app"
	labelComponent    = "component"
	labelManagedBy    = "app.kubernetes.io/managed-by"
	labelConfigMapHA  = "configmap-type"
	managedByOperator = "flink-operator"
	configMapTypeHA   = "high-availability"

	// FieldManager owns every field the operator applies. It must never
	// change: a new name would orphan the old one's fields.
	FieldManager = "flink-operator"

	// Finalizer lets the operator clean up before a FlinkDeployment goes.
	Finalizer = "flink.apache.org/finalizer"
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

// haSelector selects the HA ConfigMaps Flink creates for a cluster.
func haSelector(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelApp: name, labelConfigMapHA: configMapTypeHA})
}

// clusterPodSelector selects the JobManager and TaskManager pods of a
// cluster, by Flink's own labels.
func clusterPodSelector(name string) labels.Selector {
	app, _ := labels.NewRequirement(labelApp, selection.Equals, []string{name})
	comp, _ := labels.NewRequirement(labelComponent, selection.In, []string{"jobmanager", "taskmanager"})
	return labels.NewSelector().Add(*app, *comp)
}
