package agent

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// NodeLabel marks the agent's Node, so that a pod can be pinned to real
// processes with a nodeSelector when the dev cluster also has fake nodes.
const NodeLabel = "flink-operator.dev/node-agent"

// leaseDuration is how long the node lifecycle controller waits for a
// heartbeat before it marks the node NotReady (and, later, evicts its pods).
const leaseDuration = 40 * time.Second

// registerNode creates the Node, or takes over the one a previous run of
// the agent left, and reports it Ready.
func (a *Agent) registerNode(ctx context.Context) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: a.cfg.NodeName,
			Labels: map[string]string{
				"kubernetes.io/hostname": a.cfg.NodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				NodeLabel:                "true",
			},
		},
	}
	nodes := a.cfg.Client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create Node/%s: %w", a.cfg.NodeName, err)
	}
	// kube-controller-manager writes the new Node too (taints, CIDR): retry
	// the status update on a conflict with a fresh read.
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error { return a.reportNodeStatus(ctx) })
}

func (a *Agent) reportNodeStatus(ctx context.Context) error {
	nodes := a.cfg.Client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get Node/%s: %w", a.cfg.NodeName, err)
	}
	now := metav1.Now()
	// The machine's real size would make the scheduler refuse Flink pods
	// that ask for 2 CPUs each; the processes are small. The capacity says
	// how many pods may run, not how big they are.
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("64"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	node.Status.Capacity = capacity
	node.Status.Allocatable = capacity
	node.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
		{Type: corev1.NodeHostName, Address: a.cfg.NodeName},
	}
	node.Status.NodeInfo.KubeletVersion = "v0.0.0-flink-operator-nodeagent"
	node.Status.NodeInfo.OperatingSystem = "linux"
	node.Status.NodeInfo.Architecture = "amd64"
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		Message: "flink-operator node agent is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
	}}
	if _, err := nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of Node/%s: %w", a.cfg.NodeName, err)
	}
	return nil
}

// heartbeat renews the node's Lease, as a kubelet does: without it the node
// lifecycle controller marks the node NotReady and taints it.
func (a *Agent) heartbeat(ctx context.Context) {
	leases := a.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	tick := time.NewTicker(leaseDuration / 4)
	defer tick.Stop()
	for {
		now := metav1.NewMicroTime(time.Now())
		lease, err := leases.Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = leases.Create(ctx, &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: a.cfg.NodeName},
				Spec: coordinationv1.LeaseSpec{
					HolderIdentity:       ptr.To(a.cfg.NodeName),
					LeaseDurationSeconds: ptr.To(int32(leaseDuration.Seconds())),
					RenewTime:            &now,
				},
			}, metav1.CreateOptions{})
		case err == nil:
			lease.Spec.RenewTime = &now
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		}
		if err != nil && ctx.Err() == nil {
			a.cfg.Log.Error("renew node lease", "node", a.cfg.NodeName, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
