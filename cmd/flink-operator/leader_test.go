package main

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const testLease = "flink-operator-test"

// TestLeaderElectionTakeover runs two replicas with leader election: only
// the leader reconciles; when it is killed (no chance to release the
// Lease) the other takes over within the lease duration and does the work
// that arrived meanwhile.
func TestLeaderElectionTakeover(t *testing.T) {
	env, k8s := freshAPIServer(t, "flink-system", "jobs")
	ctx := context.Background()
	bin, kubeconfig := buildOperator(t), writeKubeconfig(t, env.Config)
	args := []string{"--leader-elect", "--leader-election-namespace", "flink-system", "--leader-election-id", testLease,
		"--leader-election-lease-duration", "4s", "--leader-election-renew-deadline", "3s", "--leader-election-retry-period", "500ms",
		"--watch-namespaces", "jobs"}
	replicas := []*operatorProcess{
		startOperator(t, "replica-1", bin, kubeconfig, args...),
		startOperator(t, "replica-2", bin, kubeconfig, args...),
	}

	var leader, follower *operatorProcess
	eventually(t, 30*time.Second, "no replica became leader", func() bool {
		for i, r := range replicas {
			if isLeader(t, r) {
				leader, follower = r, replicas[1-i]
				return true
			}
		}
		return false
	})
	holder := leaseHolder(t, k8s)
	if holder == "" {
		t.Fatal("the Lease names no holder")
	}

	if err := k8s.Create(ctx, scaleCR("jobs", "first")); err != nil {
		t.Fatal(err)
	}
	waitReconciled(t, k8s, "jobs", "first", "flink:1.20")

	// Only the leader works: the follower has not started its controller,
	// reconciled nothing and reports no fleet.
	if isLeader(t, follower) {
		t.Fatalf("both replicas report leadership")
	}
	if got := follower.metric(t, "controller_runtime_reconcile_total", nil); got != 0 {
		t.Errorf("the follower reconciled %v times", got)
	}
	if got := leader.metric(t, "controller_runtime_reconcile_total", nil); got == 0 {
		t.Error("the leader reports no reconcile")
	}
	if got := leader.metric(t, "flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "jobs"}); got != 1 {
		t.Errorf("the leader's fleet metrics count %v FlinkDeployments in jobs, want 1", got)
	}
	if got := follower.metric(t, "flink_operator_flinkdeployments_lifecycle_state", nil); got != 0 {
		t.Errorf("the follower reports a fleet of %v", got)
	}
	if s := containsAny(follower.logs.String(), "Starting workers"); s != "" {
		t.Errorf("the follower started its controller: %q in its log", s)
	}
	for _, r := range replicas {
		if code := r.probe("/healthz"); code != 200 {
			t.Errorf("%s /healthz = %d", r.name, code)
		}
		if code := r.probe("/readyz"); code != 200 {
			t.Errorf("%s /readyz = %d", r.name, code)
		}
	}

	// Kill the leader, then give the cluster work only a new leader can do:
	// a new FlinkDeployment and a changed one.
	killed := time.Now()
	leader.kill()
	if err := k8s.Create(ctx, scaleCR("jobs", "second")); err != nil {
		t.Fatal(err)
	}
	edit(t, k8s, "jobs", "first", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Image = "flink:1.20.1" })

	eventually(t, 30*time.Second, "the surviving replica did not take over", func() bool { return isLeader(t, follower) })
	t.Logf("takeover %s after the leader was killed", time.Since(killed).Round(100*time.Millisecond))
	if h := leaseHolder(t, k8s); h == holder || h == "" {
		t.Errorf("Lease holder after takeover = %q, want a new one (was %q)", h, holder)
	}
	waitReconciled(t, k8s, "jobs", "second", "flink:1.20")
	waitReconciled(t, k8s, "jobs", "first", "flink:1.20.1")
	if got := follower.metric(t, "flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "jobs"}); got != 2 {
		t.Errorf("the new leader's fleet metrics count %v FlinkDeployments, want 2", got)
	}
}

// isLeader reads client-go's leader election gauge, which
// controller-runtime exports; a replica that never led has no series.
func isLeader(t *testing.T, p *operatorProcess) bool {
	all, err := p.metrics(t)
	if err != nil {
		return false
	}
	for _, s := range all["leader_election_master_status"] {
		if s.labels["name"] == testLease && s.value == 1 {
			return true
		}
	}
	return false
}

func leaseHolder(t *testing.T, k8s client.Client) string {
	t.Helper()
	var lease coordinationv1.Lease
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "flink-system", Name: testLease}, &lease); err != nil {
		t.Fatalf("read the leader election Lease: %v", err)
	}
	if lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

// waitReconciled waits until the JobManager Deployment of ns/name runs
// image and the FlinkDeployment has a lifecycle state.
func waitReconciled(t *testing.T, k8s client.Client, ns, name, image string) {
	t.Helper()
	ctx := context.Background()
	eventually(t, 30*time.Second, "FlinkDeployment "+ns+"/"+name+" was not reconciled to "+image, func() bool {
		var dep appsv1.Deployment
		if k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &dep) != nil || dep.Spec.Template.Spec.Containers[0].Image != image {
			return false
		}
		fd := &v1beta1.FlinkDeployment{}
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, fd) == nil && fd.Status.LifecycleState != ""
	})
}

// TestLeaderElectionFlagErrors checks that timings client-go would refuse
// are reported up front, naming the flag.
func TestLeaderElectionFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--leader-election-lease-duration=5s", "--leader-election-renew-deadline=5s"}, "--leader-election-lease-duration"},
		{[]string{"--leader-election-renew-deadline=2s", "--leader-election-retry-period=2s"}, "--leader-election-renew-deadline"},
		{[]string{"--leader-election-retry-period=0s"}, "--leader-election-retry-period"},
		{[]string{"--leader-election-id="}, "--leader-election-id"},
	} {
		err := run(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%v) = %v; want an error naming %s", tc.args, err, tc.want)
		}
	}
}
