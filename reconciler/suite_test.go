package reconciler_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The suite runs one API server, one operator and one fake JobManager
// server for all tests; each test works in its own namespace.
var (
	k8s client.Client
	// restConfig reaches the API server as kubectl would (Table reads).
	restConfig *rest.Config
	jobs       = fakejm.NewServer()
	jmServer   *fakejm.Endpoint
	nsCounter  atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Stop()

	scheme, err := reconciler.NewScheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Tests also read kinds the operator never touches (Events, Leases), so
	// their client knows every built-in kind; the operator's manager keeps
	// the operator's own scheme.
	testScheme, err := reconciler.NewScheme()
	if err == nil {
		err = clientgoscheme.AddToScheme(testScheme)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	restConfig = env.Config
	k8s, err = client.New(env.Config, client.Options{Scheme: testScheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	jmServer = fakejm.Serve(jobs)
	defer jmServer.Close()

	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr), zap.Level(zapcore.Level(zapLevel()))))
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  scheme,
		Cache:   reconciler.CacheOptions(nil, withoutDirect()),
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r := &reconciler.Reconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Scheme:           mgr.GetScheme(),
		Recorder:         mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate:  jmServer.URL + "/{{namespace}}/{{name}}",
		ProgressInterval: 200 * time.Millisecond,
		ResyncInterval:   time.Second,
		MaxRESTBackoff:   2 * time.Second,
	}
	if err := r.SetupWithManager(mgr, 4); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		return 1
	}
	return code
}

// withoutDirect selects every FlinkDeployment except the ones tests drive
// pass by pass themselves.
func withoutDirect() labels.Selector {
	sel, err := labels.Parse("!" + directLabel)
	if err != nil {
		panic(err)
	}
	return sel
}

func zapLevel() int8 {
	if os.Getenv("OPERATOR_LOGS") != "" {
		return int8(zapcore.DebugLevel)
	}
	return int8(zapcore.ErrorLevel)
}

func newNamespace(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d-%d", nsCounter.Add(1), time.Now().UnixNano()%100000)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return name
}

const basicSpec = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: basic
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
  jobManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
  taskManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
`

func createFlinkDeployment(t testing.TB, ns, doc string) *v1beta1.FlinkDeployment {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	if err := yaml.UnmarshalStrict([]byte(doc), fd); err != nil {
		t.Fatalf("decode test CR: %v", err)
	}
	fd.Namespace = ns
	if err := k8s.Create(context.Background(), fd); err != nil {
		t.Fatalf("create FlinkDeployment: %v", err)
	}
	return fd
}

// eventually polls cond until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = cond(); last == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %s: %v", what, timeout, last)
}

func getFD(t *testing.T, ns, name string) *v1beta1.FlinkDeployment {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, fd); err != nil {
		t.Fatalf("get FlinkDeployment: %v", err)
	}
	return fd
}

// eventsFor lists the events.k8s.io events about an object by reason.
func eventsFor(t *testing.T, ns, name string) map[string][]string {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatalf("list events: %v", err)
	}
	out := map[string][]string{}
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out[e.Reason] = append(out[e.Reason], e.Note)
		}
	}
	return out
}

// updateFD changes a FlinkDeployment the way a careful client does:
// read, change, write, and start over when the operator wrote meanwhile.
func updateFD(t testing.TB, ns, name string, change func(*v1beta1.FlinkDeployment)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		fd := &v1beta1.FlinkDeployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, fd); err != nil {
			return err
		}
		change(fd)
		return k8s.Update(context.Background(), fd)
	})
	if err != nil {
		t.Fatalf("update FlinkDeployment %s/%s: %v", ns, name, err)
	}
}
