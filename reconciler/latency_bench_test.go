package reconciler_test

import (
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// BenchmarkSavepointToDeploy measures, on the suite's running operator
// (default gate policy, real API server), the time from a savepoint
// completing in Flink to the new JobManager Deployment being applied.
// Each iteration deploys a savepoint-mode job, changes its image, waits
// until the stop-with-savepoint is pending, completes it and times how long
// the new Deployment takes to appear. It reports the median and the worst.
//
//	go test -run '^$' -bench SavepointToDeploy -benchtime 20x ./reconciler/
func BenchmarkSavepointToDeploy(b *testing.B) {
	var latencies []time.Duration
	for i := 0; i < b.N; i++ {
		latencies = append(latencies, savepointToDeployOnce(b))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "max-ms")
}

func savepointToDeployOnce(b *testing.B) time.Duration {
	b.StopTimer()
	ns := newNamespace(b)
	doc := strings.Replace(statefulSpec("lat", "savepoint", ""), "  labels: {"+directLabel+": \"true\"}\n", "", 1)
	createFlinkDeployment(b, ns, doc)
	s := newSim(b, ns, "lat", "v1_20")
	s.behavior = fakejm.OperationBehavior{PendingPolls: fakejm.Forever}

	// The fake world follows the operator in the background.
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			s.sync()
			time.Sleep(10 * time.Millisecond)
		}
	}()
	defer func() { stop.Store(true); <-done }()

	waitFor(b, 30*time.Second, func() bool {
		fd := &v1beta1.FlinkDeployment{}
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lat"}, fd) == nil && running(fd)
	})
	updateFD(b, ns, "lat", newImage)
	var pending []string
	waitFor(b, 30*time.Second, func() bool {
		if c := s.cluster; c != nil {
			pending = c.PendingOperations()
		}
		return len(pending) == 1
	})
	b.StartTimer()
	start := time.Now()
	if err := s.cluster.CompleteOperation(pending[0]); err != nil {
		b.Fatal(err)
	}
	waitFor(b, 30*time.Second, func() bool {
		dep := &appsv1.Deployment{}
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lat"}, dep) == nil &&
			dep.Spec.Template.Spec.Containers[0].Image == "flink:1.20.1"
	})
	elapsed := time.Since(start)
	b.StopTimer()
	return elapsed
}

func waitFor(b *testing.B, timeout time.Duration, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
