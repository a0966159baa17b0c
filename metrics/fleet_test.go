package metrics

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestFleetCollectorCountsTheCache runs the collector on a real cache of a
// real API server: it reports nothing until active, then every
// FlinkDeployment the cache holds by state, and nothing the cache does
// not watch.
func TestFleetCollectorCountsTheCache(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	type cr struct {
		ns, name  string
		lifecycle v1beta1.ResourceLifecycleState
		jm        v1beta1.JobManagerDeploymentStatus
		upgrade   *v1beta1.UpgradeProgress
		stalled   string // the Stalled condition's reason, when True
	}
	stuck := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseTakingDown, Mode: v1beta1.UpgradeModeSavepoint, TakeDownTimestamp: v1beta1.UnixMilliTimestamp(1), TakeDownOverdue: true}
	waiting := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseTakingDown, Mode: v1beta1.UpgradeModeSavepoint, TakeDownTimestamp: v1beta1.UnixMilliTimestamp(1)}
	for _, c := range []cr{
		{"team-a", "one", v1beta1.LifecycleStable, v1beta1.JMReady, nil, ""},
		{"team-a", "two", v1beta1.LifecycleStable, v1beta1.JMReady, nil, ""},
		{"team-a", "three", v1beta1.LifecycleDeployed, v1beta1.JMDeployedNotReady, nil, ""},
		{"team-a", "four", "", "", nil, ""},
		{"team-b", "five", v1beta1.LifecycleFailed, v1beta1.JMError, nil, "JobFailed"},
		{"team-b", "seven", v1beta1.LifecycleUpgrading, v1beta1.JMMissing, stuck, "UpgradeHeld"},
		{"team-b", "eight", v1beta1.LifecycleUpgrading, v1beta1.JMMissing, waiting, ""},
		{"unwatched", "six", v1beta1.LifecycleStable, v1beta1.JMReady, stuck, ""},
	} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns}}); client.IgnoreAlreadyExists(err) != nil {
			t.Fatal(err)
		}
		fd := minimalCR(c.ns, c.name)
		if err := k8s.Create(ctx, fd); err != nil {
			t.Fatalf("create FlinkDeployment %s/%s: %v", c.ns, c.name, err)
		}
		if c.lifecycle != "" {
			fd.Status.LifecycleState, fd.Status.JobManagerDeploymentStatus = c.lifecycle, c.jm
			fd.Status.Upgrade = c.upgrade
			if c.stalled != "" {
				fd.Status.Conditions = []metav1.Condition{{Type: "Stalled", Status: metav1.ConditionTrue, Reason: c.stalled, Message: "held", LastTransitionTime: metav1.Now()}}
			}
			if err := k8s.Status().Update(ctx, fd); err != nil {
				t.Fatalf("write status of %s/%s: %v", c.ns, c.name, err)
			}
		}
	}

	watched, err := cache.New(env.Config, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{"team-a": {}, "team-b": {}}})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = watched.Start(ctx) }()
	if _, err := watched.GetInformer(ctx, &v1beta1.FlinkDeployment{}); err != nil {
		t.Fatal(err)
	}
	if !watched.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}

	active := make(chan struct{})
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(NewFleetCollector(watched, active)); err != nil {
		t.Fatal(err)
	}
	if families, err := reg.Gather(); err != nil || len(families) != 0 {
		t.Fatalf("a replica that is not the leader reported %d metric families (err %v)", len(families), err)
	}
	close(active)

	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "team-a", "state": "STABLE"}, 2},
		{"flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "team-a", "state": "DEPLOYED"}, 1},
		{"flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "team-a", "state": "UNKNOWN"}, 1},
		{"flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "team-a", "state": "FAILED"}, 0},
		{"flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "team-b", "state": "FAILED"}, 1},
		{"flink_operator_flinkdeployments_jobmanager_status", map[string]string{"namespace": "team-a", "status": "READY"}, 2},
		{"flink_operator_flinkdeployments_jobmanager_status", map[string]string{"namespace": "team-a", "status": "DEPLOYED_NOT_READY"}, 1},
		{"flink_operator_flinkdeployments_jobmanager_status", map[string]string{"namespace": "team-b", "status": "ERROR"}, 1},
		{"flink_operator_flinkdeployments_take_down_stuck", map[string]string{"namespace": "team-a"}, 0},
		{"flink_operator_flinkdeployments_take_down_stuck", map[string]string{"namespace": "team-b"}, 1},
		{"flink_operator_flinkdeployments_stalled", map[string]string{"namespace": "team-b", "reason": "JobFailed"}, 1},
		{"flink_operator_flinkdeployments_stalled", map[string]string{"namespace": "team-b", "reason": "UpgradeHeld"}, 1},
		{"flink_operator_flinkdeployments_stalled", map[string]string{"namespace": "team-b", "reason": "ManualRestoreRequired"}, 0},
		{"flink_operator_flinkdeployments_stalled", map[string]string{"namespace": "team-a", "reason": "UpgradeHeld"}, 0},
	} {
		m := find(t, reg, tc.name, tc.labels)
		if m == nil {
			t.Errorf("%s%v: no series", tc.name, tc.labels)
			continue
		}
		if got := m.GetGauge().GetValue(); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if m := find(t, reg, "flink_operator_flinkdeployments_lifecycle_state", map[string]string{"namespace": "unwatched"}); m != nil {
		t.Errorf("a namespace the cache does not watch was reported: %v", m)
	}
}

func minimalCR(ns, name string) *v1beta1.FlinkDeployment {
	return &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink",
			Job: &v1beta1.JobSpec{JarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar", Parallelism: 1},
		},
	}
}
