package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestShardingByLabel runs two operator instances, each with leader
// election on a Lease of its own and a --label-selector for its shard, and
// checks that they split a fleet: each reconciles exactly its shard, a
// FlinkDeployment in no shard is left alone, and relabelling moves a
// FlinkDeployment to the other instance.
func TestShardingByLabel(t *testing.T) {
	env, k8s := freshAPIServer(t, "flink-system", "fleet")
	ctx := context.Background()
	for _, shard := range []string{"a", "b"} {
		for i := 1; i <= 3; i++ {
			fd := scaleCR("fleet", fmt.Sprintf("%s-%d", shard, i))
			fd.Labels = map[string]string{"shard": shard}
			if err := k8s.Create(ctx, fd); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := k8s.Create(ctx, scaleCR("fleet", "unsharded")); err != nil {
		t.Fatal(err)
	}

	bin, kubeconfig := buildOperator(t), writeKubeconfig(t, env.Config)
	instance := func(shard string) *operatorProcess {
		return startOperator(t, "shard-"+shard, bin, kubeconfig, "--watch-namespaces", "fleet", "--label-selector", "shard="+shard,
			"--leader-elect", "--leader-election-namespace", "flink-system", "--leader-election-id", "flink-operator-shard-"+shard,
			"--leader-election-lease-duration", "4s", "--leader-election-renew-deadline", "3s", "--leader-election-retry-period", "500ms")
	}

	a := instance("a")
	for i := 1; i <= 3; i++ {
		waitReconciled(t, k8s, "fleet", fmt.Sprintf("a-%d", i), "flink:1.20")
	}
	// Shard b has no instance yet: nothing of it may have been touched.
	time.Sleep(time.Second)
	for i := 1; i <= 3; i++ {
		assertUntouched(t, k8s, fmt.Sprintf("b-%d", i))
	}

	b := instance("b")
	for i := 1; i <= 3; i++ {
		waitReconciled(t, k8s, "fleet", fmt.Sprintf("b-%d", i), "flink:1.20")
	}
	for _, p := range []*operatorProcess{a, b} {
		eventually(t, 10*time.Second, p.name+" does not report its shard of 3", func() bool {
			return p.metric(t, "flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "fleet"}) == 3
		})
	}
	assertUntouched(t, k8s, "unsharded")

	// Move a-1 to shard b together with a change: only b can apply it.
	edit(t, k8s, "fleet", "a-1", func(fd *v1beta1.FlinkDeployment) {
		fd.Labels["shard"] = "b"
		fd.Spec.Image = "flink:1.20.1"
	})
	waitReconciled(t, k8s, "fleet", "a-1", "flink:1.20.1")
	eventually(t, 10*time.Second, "the fleet metrics did not follow the move", func() bool {
		return a.metric(t, "flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "fleet"}) == 2 &&
			b.metric(t, "flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "fleet"}) == 4
	})
	assertUntouched(t, k8s, "unsharded")
}

// assertUntouched checks that no operator reconciled fleet/name: no
// JobManager Deployment, no status.
func assertUntouched(t *testing.T, k8s client.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: "fleet", Name: name}, &appsv1.Deployment{}); err == nil {
		t.Errorf("FlinkDeployment fleet/%s, outside every running shard, got a JobManager Deployment", name)
	}
	fd := &v1beta1.FlinkDeployment{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: "fleet", Name: name}, fd); err != nil {
		t.Fatal(err)
	}
	if fd.Status.LifecycleState != "" || len(fd.Finalizers) > 0 {
		t.Errorf("FlinkDeployment fleet/%s, outside every running shard, was reconciled: %+v", name, fd.Status)
	}
}
