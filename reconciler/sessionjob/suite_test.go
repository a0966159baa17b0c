package sessionjob_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/jarfetch"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// One API server (with this repository's CRDs, the FlinkSessionJob's
// included, which the chart installs with sessionJobs.enabled), one fake JobManager
// server and one jar server for all tests; each test works in its own
// namespace. Tests drive the reconciler pass by pass, so that a crash is
// a reconciler dropped between two passes (or stopped by its Hook inside
// one) and a new one built: nothing in memory survives.
var (
	k8s        client.WithWatch
	restConfig *rest.Config
	jobs       = fakejm.NewServer()
	jmServer   *fakejm.Endpoint
	jarServer  *httptest.Server
	nsCounter  atomic.Int64
)

// jarBytes is the served jar; the fake JobManager only counts its bytes.
var jarBytes = []byte("PK\x03\x04 a session job's jar")

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	env, err := testenv.Start(testenv.WithCRDPaths(filepath.Join(testenv.RepoRoot(), "schemas", "crd")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Stop()
	restConfig = env.Config
	scheme, err := reconciler.NewScheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	k8s, err = client.NewWithWatch(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	jmServer = fakejm.Serve(jobs)
	defer jmServer.Close()
	jarServer = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/job.jar" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(jarBytes)
	}))
	defer jarServer.Close()
	return m.Run()
}

func newNamespace(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("sj%d-%d", nsCounter.Add(1), time.Now().UnixNano()%100000)
	require.NoError(t, k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
	return name
}

const sessionDoc = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: session
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    execution.checkpointing.savepoint-dir: s3://flink/savepoints
  jobManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
  taskManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
`

// sessionKind is what createSession makes.
type sessionKind int

const (
	readySession sessionKind = iota
	notReadySession
	applicationCluster
)

// createSession creates the FlinkDeployment "session" in ns, sets its
// status as the FlinkDeployment controller would (it does not run here),
// and serves a fake JobManager for it.
func createSession(t testing.TB, ns string, kind sessionKind, opts ...fakejm.Option) *fakejm.Cluster {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(sessionDoc), fd))
	fd.Namespace = ns
	if kind == applicationCluster {
		fd.Spec.Job = &v1beta1.JobSpec{JarURI: "local:///opt/flink/job.jar", Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeStateless}
	}
	require.NoError(t, k8s.Create(context.Background(), fd))
	if kind != notReadySession {
		setSessionStatus(t, ns, v1beta1.JMReady)
	}
	cluster, err := fakejm.NewCluster("v1_20", opts...)
	require.NoError(t, err)
	require.NoError(t, jobs.Add("/"+ns+"/session", cluster))
	t.Cleanup(func() {
		jobs.Remove("/" + ns + "/session")
		// Flink 1.20+ ignores a body field it does not know, so a
		// misspelt one shows only in the fake's record.
		assert.Empty(t, cluster.IgnoredFields(), "fields Flink ignores")
	})
	return cluster
}

func setSessionStatus(t testing.TB, ns string, jm v1beta1.JobManagerDeploymentStatus) {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "session"}, fd))
	fd.Status.JobManagerDeploymentStatus = jm
	require.NoError(t, k8s.Status().Update(context.Background(), fd))
}

func sessionJobDoc(extra string) string {
	return `
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: orders
spec:
  deploymentName: session
  job:
    jarURI: ` + jarServer.URL + `/job.jar
    entryClass: org.example.Orders
    args: ["--topic", "orders"]
    parallelism: 2
    upgradeMode: savepoint
` + extra
}

func createSessionJob(t *testing.T, ns, doc string) *v1beta1.FlinkSessionJob {
	t.Helper()
	sj := &v1beta1.FlinkSessionJob{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(doc), sj))
	sj.Namespace = ns
	require.NoError(t, k8s.Create(context.Background(), sj))
	return sj
}

func getSJ(t *testing.T, ns string) *v1beta1.FlinkSessionJob {
	t.Helper()
	sj := &v1beta1.FlinkSessionJob{}
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "orders"}, sj))
	return sj
}

// recorder keeps the events a reconciler records.
type recorder struct {
	mu     sync.Mutex
	events []event
}

type event struct{ Type, Reason, Note string }

func (r *recorder) Eventf(_ runtime.Object, _ runtime.Object, eventtype, reason, _, note string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{eventtype, reason, fmt.Sprintf(note, args...)})
}

func (r *recorder) byReason(reason string) []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event
	for _, e := range r.events {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// newReconciler is a reconciler as a restarted operator has it: no memory.
// It reads and writes through c (the API server directly, unless a test
// wraps it).
func newReconciler(c client.Client, hook func(string) bool) (*sessionjob.Reconciler, *recorder) {
	rec := &recorder{}
	return &sessionjob.Reconciler{
		Client:             c,
		APIReader:          k8s,
		Recorder:           rec,
		RESTURLTemplate:    jmServer.URL + "/{{namespace}}/{{name}}",
		FetchJar:           jarfetch.New(jarfetch.Config{AllowHTTP: true, MaxBytes: 1 << 20, AllowLoopback: true}),
		AllowHTTPArtifacts: true, // the jar server is plain http
		ProgressInterval:   100 * time.Millisecond,
		ResyncInterval:     time.Second,
		RESTTimeout:        time.Second,
		Hook:               hook,
	}, rec
}

// reconcileOnce runs one pass on the session job "orders" of ns.
func reconcileOnce(t *testing.T, r *sessionjob.Reconciler, ns string) (ctrl.Result, error) {
	t.Helper()
	return r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "orders"}})
}

// driveUntil runs passes until done holds of the stored FlinkSessionJob,
// at most n; errors of passes are tolerated (the controller retries them)
// but the last is reported.
func driveUntil(t *testing.T, r *sessionjob.Reconciler, ns string, n int, what string, done func(*v1beta1.FlinkSessionJob) bool) {
	t.Helper()
	var lastErr error
	for range n {
		if _, err := reconcileOnce(t, r, ns); err != nil {
			lastErr = err
		}
		if done(getSJ(t, ns)) {
			return
		}
	}
	sj := getSJ(t, ns)
	t.Fatalf("%s: not reached after %d passes (last error: %v); status: %+v", what, n, lastErr, sj.Status)
}

func running(sj *v1beta1.FlinkSessionJob) bool {
	return sj.Status.JobStatus.State == "RUNNING" && sj.Status.Jar == nil && sj.Status.Upgrade == nil
}

func reqFor(ns string) ctrl.Request {
	return ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "orders"}}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
