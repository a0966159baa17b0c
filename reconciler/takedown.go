package reconciler

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// observeTakeDown tells the gate whether the cluster being taken down is
// gone and, once the take-down is overdue, what is left of it: the pods
// and the nodes they are bound to, for the message that tells the user
// what to do (gate/rollout.go). Before that only the cheap check runs, as
// it does every TakeDownPollInterval.
func (r *Reconciler) observeTakeDown(ctx context.Context, fd *v1beta1.FlinkDeployment, up *v1beta1.UpgradeProgress, now time.Time) (bool, []gate.LeftOver, error) {
	gone, err := r.clusterGone(ctx, fd)
	if err != nil || gone || !gate.TakeDownOverdue(up, now, r.GatePolicy.WithDefaults()) {
		return gone, nil, err
	}
	left, err := r.clusterLeft(ctx, fd)
	return false, left, err
}

// clusterLeft lists the Deployments and pods of a cluster that are still
// there, read from the API server rather than the cache.
func (r *Reconciler) clusterLeft(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]gate.LeftOver, error) {
	var left []gate.LeftOver
	deps := &metav1.PartialObjectMetadataList{}
	deps.SetGroupVersionKind(deploymentGVK.GroupVersion().WithKind("DeploymentList"))
	if err := r.APIReader.List(ctx, deps, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: clusterDeploymentSelector(fd.Name)}); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("list Deployments: %w", err)
	}
	for i := range deps.Items {
		dep := &deps.Items[i]
		if ownedBy(dep, fd.UID) {
			left = append(left, gate.LeftOver{Kind: "Deployment", Namespace: dep.Namespace, Name: dep.Name, Terminating: dep.DeletionTimestamp != nil})
		}
	}
	pods := &corev1.PodList{}
	if err := r.APIReader.List(ctx, pods, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: clusterPodSelector(fd.Name)}); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("list pods: %w", err)
	}
	for i := range pods.Items {
		pod := &pods.Items[i]
		left = append(left, gate.LeftOver{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, Node: pod.Spec.NodeName, Terminating: pod.DeletionTimestamp != nil})
	}
	return left, nil
}
