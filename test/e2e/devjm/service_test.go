package devjm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// k8s is the API server every test of this package shares.
var k8s client.Client

func TestMain(m *testing.M) {
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err == nil {
		err = v1beta1.AddToScheme(scheme)
	}
	if err == nil {
		k8s, err = client.New(env.Config, client.Options{Scheme: scheme})
	}
	code := 1
	if err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	_ = env.Stop()
	os.Exit(code)
}

// fixture is one Flink cluster as the operator leaves it for its
// JobManager: a FlinkDeployment, its flink-config ConfigMap and a pod.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	ns   string
	name string
	svc  *Service
	api  *httptest.Server
}

var nsCounter int

func newFixture(t *testing.T, flinkVersion string, config map[string]string) *fixture {
	t.Helper()
	ctx := context.Background()
	nsCounter++
	f := &fixture{t: t, ctx: ctx, ns: fmt.Sprintf("devjm-%d", nsCounter), name: "cluster"}
	require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}))
	fd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment",
		"metadata": map[string]any{"namespace": f.ns, "name": f.name},
		"spec":     map[string]any{"image": "flink", "flinkVersion": flinkVersion, "serviceAccount": "flink"},
	}}
	require.NoError(t, k8s.Create(ctx, fd))
	require.NoError(t, k8s.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "flink-config-" + f.name},
		Data:       config,
	}))
	f.svc = NewService(k8s, testr.New(t))
	f.api = httptest.NewServer(f.svc.Handler())
	t.Cleanup(func() {
		f.api.Close()
		f.svc.Shutdown()
	})
	return f
}

// startPod creates a Ready JobManager pod running args, as kwok would
// report it, and reconciles.
func (f *fixture) startPod(podName string, args ...string) types.UID {
	f.t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: podName, Labels: map[string]string{
			"app": f.name, "component": "jobmanager", "type": "flink-native-kubernetes",
		}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink", Args: args}}},
	}
	require.NoError(f.t, k8s.Create(f.ctx, pod))
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	require.NoError(f.t, k8s.Status().Update(f.ctx, pod))
	f.reconcile()
	return pod.UID
}

func (f *fixture) deletePod(podName string) {
	f.t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: podName}}
	require.NoError(f.t, k8s.Delete(f.ctx, pod, client.GracePeriodSeconds(0)))
	f.reconcile()
}

func (f *fixture) reconcile() {
	f.t.Helper()
	_, err := f.svc.Reconcile(f.ctx, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: f.ns, Name: f.name}})
	require.NoError(f.t, err)
}

// get calls the cluster's REST API (path under /<ns>/<name>) or, with an
// absolute path starting with DebugPrefix, the service's own endpoints.
func (f *fixture) get(path string, into any) int {
	f.t.Helper()
	url := f.api.URL + "/" + f.ns + "/" + f.name + path
	if strings.HasPrefix(path, DebugPrefix) {
		url = f.api.URL + path
	}
	resp, err := http.Get(url)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	if into != nil && resp.StatusCode == http.StatusOK {
		require.NoError(f.t, json.Unmarshal(body, into), string(body))
	}
	return resp.StatusCode
}

func (f *fixture) post(path, body string) map[string]any {
	f.t.Helper()
	resp, err := http.Post(f.api.URL+"/"+f.ns+"/"+f.name+path, "application/json", strings.NewReader(body))
	require.NoError(f.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(f.t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(f.t, http.StatusAccepted, resp.StatusCode, out)
	return out
}

type jobsOverview struct {
	Jobs []struct {
		ID    string `json:"jid"`
		State string `json:"state"`
	} `json:"jobs"`
}

type checkpointStats struct {
	Latest struct {
		Restored *struct {
			ID           int64  `json:"id"`
			IsSavepoint  bool   `json:"is_savepoint"`
			ExternalPath string `json:"external_path"`
		} `json:"restored"`
		Completed *struct {
			ID           int64  `json:"id"`
			ExternalPath string `json:"external_path"`
		} `json:"completed"`
	} `json:"latest"`
}

func (f *fixture) onlyJob() (id, state string) {
	f.t.Helper()
	var jobs jobsOverview
	require.Equal(f.t, http.StatusOK, f.get("/jobs/overview", &jobs))
	require.Len(f.t, jobs.Jobs, 1)
	return jobs.Jobs[0].ID, jobs.Jobs[0].State
}

const applicationArgs = "kubernetes-jobmanager.sh kubernetes-application"

func TestApplicationRestoresFromConfiguredSavepoint(t *testing.T) {
	f := newFixture(t, "v1_18", map[string]string{"flink-conf.yaml": "" +
		"execution.savepoint.path: file:///sp/savepoint-abc\n" +
		"$internal.pipeline.job-id: 0123456789abcdef0123456789abcdef\n" +
		"parallelism.default: 2\n" +
		"state.savepoints.dir: file:///sp\n"})
	uid := f.startPod("jm-1", "bash", "-c", applicationArgs)

	var cfg map[string]any
	require.Equal(t, http.StatusOK, f.get("/config", &cfg))
	assert.Equal(t, "1.18.0", cfg["flink-version"], "the FlinkDeployment's version")
	id, state := f.onlyJob()
	assert.Equal(t, "0123456789abcdef0123456789abcdef", id, "$internal.pipeline.job-id")
	assert.Equal(t, "RUNNING", state)
	var stats checkpointStats
	require.Equal(t, http.StatusOK, f.get("/jobs/"+id+"/checkpoints", &stats))
	require.NotNil(t, stats.Latest.Restored)
	assert.Equal(t, "file:///sp/savepoint-abc", stats.Latest.Restored.ExternalPath)
	assert.True(t, stats.Latest.Restored.IsSavepoint)

	var jms []JobManagerInfo
	require.Equal(t, http.StatusOK, f.get(DebugPrefix+"jobmanagers", &jms))
	require.Len(t, jms, 1)
	assert.Equal(t, uid, jms[0].PodUID)
	assert.Equal(t, "file:///sp/savepoint-abc", jms[0].RestoredFrom)

	// A savepoint without a target directory goes to state.savepoints.dir.
	trigger := f.post("/jobs/"+id+"/savepoints", `{"cancel-job":false}`)
	var op struct {
		Operation struct {
			Location string `json:"location"`
		} `json:"operation"`
	}
	for range 3 { // the fake completes operations after a poll
		f.get(fmt.Sprintf("/jobs/%s/savepoints/%s", id, trigger["request-id"]), &op)
	}
	assert.True(t, strings.HasPrefix(op.Operation.Location, "file:/sp/savepoint-"), op.Operation.Location)

	f.deletePod("jm-1")
	assert.Equal(t, http.StatusNotFound, f.get("/config", nil), "no JobManager pod, no REST API")
	require.Equal(t, http.StatusOK, f.get(DebugPrefix+"jobmanagers", &jms))
	assert.Empty(t, jms)
}

func TestEveryPodIsANewJobManager(t *testing.T) {
	f := newFixture(t, "v1_20", map[string]string{"flink-conf.yaml": "parallelism.default: 1\n"})
	f.startPod("jm-1", "bash", "-c", applicationArgs)
	first, _ := f.onlyJob()
	var stats checkpointStats
	require.Equal(t, http.StatusOK, f.get("/jobs/"+first+"/checkpoints", &stats))
	assert.Nil(t, stats.Latest.Restored, "no restore path: the job starts empty")

	f.reconcile()
	again, _ := f.onlyJob()
	assert.Equal(t, first, again, "the same pod keeps its JobManager")

	f.deletePod("jm-1")
	f.startPod("jm-2", "bash", "-c", applicationArgs)
	second, _ := f.onlyJob()
	assert.NotEqual(t, first, second, "a new JobManager process draws a new job id")
}

func TestSessionClusterRunsNoJob(t *testing.T) {
	f := newFixture(t, "v2_1", map[string]string{"config.yaml": "parallelism:\n  default: 1\n"})
	f.startPod("jm-1", "jobmanager")
	var jobs jobsOverview
	require.Equal(t, http.StatusOK, f.get("/jobs/overview", &jobs))
	assert.Empty(t, jobs.Jobs)
	var cfg map[string]any
	require.Equal(t, http.StatusOK, f.get("/config", &cfg))
	assert.Equal(t, "2.1.0", cfg["flink-version"])
}

func TestPodNotReadyHasNoJobManager(t *testing.T) {
	f := newFixture(t, "v1_20", map[string]string{"flink-conf.yaml": ""})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "pending", Labels: map[string]string{"app": f.name, "component": "jobmanager"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink"}}},
	}
	require.NoError(t, k8s.Create(f.ctx, pod))
	f.reconcile()
	assert.Equal(t, http.StatusNotFound, f.get("/config", nil))
}

func TestMissingConfigurationRetries(t *testing.T) {
	f := newFixture(t, "v1_20", map[string]string{"flink-conf.yaml": ""})
	require.NoError(t, k8s.Delete(f.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "flink-config-" + f.name}}))
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "jm", Labels: map[string]string{"app": f.name, "component": "jobmanager"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink"}}},
	}
	require.NoError(t, k8s.Create(f.ctx, pod))
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	require.NoError(t, k8s.Status().Update(f.ctx, pod))
	res, err := f.svc.Reconcile(f.ctx, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: f.ns, Name: f.name}})
	require.NoError(t, err)
	assert.Equal(t, retryInterval, res.RequeueAfter)
	assert.Equal(t, http.StatusNotFound, f.get("/config", nil))
}

func TestLastStateDummyPathWithoutHAStateFailsTheJob(t *testing.T) {
	f := newFixture(t, "v1_20", map[string]string{"flink-conf.yaml": "execution.state-recovery.path: KUBERNETES_OPERATOR_LAST_STATE\n"})
	f.startPod("jm-1", "standalone-job")
	_, state := f.onlyJob()
	assert.Equal(t, "FAILED", state, "Flink cannot find the dummy path")
}

// haConfig is an HA application cluster of Flink 2.0 checkpointing every
// 100 ms.
const haConfig = `
execution:
  checkpointing:
    dir: file:///cp
    interval: 100 ms
high-availability:
  type: kubernetes
kubernetes:
  cluster-id: cluster
`

func TestHighAvailabilityRecoversFromLatestCheckpoint(t *testing.T) {
	f := newFixture(t, "v2_0", map[string]string{"config.yaml": haConfig})
	f.startPod("jm-1", "bash", "-c", applicationArgs)
	id, _ := f.onlyJob()
	assert.Equal(t, zeroJobID, id, "HA without a fixed job id: Flink's zero id")

	clusterCM := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: "cluster-cluster-config-map"}, clusterCM))
	assert.Contains(t, clusterCM.Data, "executionPlan-"+id, "2.0 stores execution plans")
	assert.Equal(t, map[string]string{"app": "cluster", "type": "flink-native-kubernetes"}, clusterCM.Labels)

	// Wait for a checkpoint recorded in the job's HA ConfigMap.
	jobCM := &corev1.ConfigMap{}
	var recorded string
	require.Eventually(t, func() bool {
		if err := k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: "cluster-" + id + "-config-map"}, jobCM); err != nil {
			return false
		}
		for k := range jobCM.Data {
			if strings.HasPrefix(k, "checkpointID-") {
				recorded = k
			}
		}
		return recorded != ""
	}, 10*time.Second, 50*time.Millisecond)
	assert.Regexp(t, `^checkpointID-\d{19}$`, recorded)

	// The JobManager pod dies; its successor recovers from the latest
	// checkpoint in HA, ignoring that no restore path is configured.
	f.deletePod("jm-1")
	require.NoError(t, k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: "cluster-" + id + "-config-map"}, jobCM))
	var latest string
	for k := range jobCM.Data {
		if strings.HasPrefix(k, "checkpointID-") {
			latest = k
		}
	}
	f.startPod("jm-2", "bash", "-c", applicationArgs)
	var stats checkpointStats
	require.Equal(t, http.StatusOK, f.get("/jobs/"+id+"/checkpoints", &stats))
	require.NotNil(t, stats.Latest.Restored)
	assert.False(t, stats.Latest.Restored.IsSavepoint)
	assert.Equal(t, fmt.Sprintf("checkpointID-%019d", stats.Latest.Restored.ID), latest)
	assert.Equal(t, fmt.Sprintf("file:///cp/%s/chk-%d", id, stats.Latest.Restored.ID), stats.Latest.Restored.ExternalPath)

	// Checkpoints taken after recovery are what the REST API reports too.
	require.Eventually(t, func() bool {
		f.get("/jobs/"+id+"/checkpoints", &stats)
		return stats.Latest.Completed != nil
	}, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, fmt.Sprintf("file:///cp/%s/chk-%d", id, stats.Latest.Completed.ID), stats.Latest.Completed.ExternalPath)
	assert.Greater(t, stats.Latest.Completed.ID, stats.Latest.Restored.ID)
}

func TestTerminatedJobCleansUpHA(t *testing.T) {
	f := newFixture(t, "v1_14", map[string]string{"flink-conf.yaml": "" +
		"high-availability: kubernetes\n" +
		"kubernetes.cluster-id: cluster\n" +
		"$internal.pipeline.job-id: 00000000000000000000000000000abc\n" +
		"state.savepoints.dir: file:///sp\n"})
	f.startPod("jm-1", "bash", "-c", applicationArgs)
	id, _ := f.onlyJob()
	jobCM := client.ObjectKey{Namespace: f.ns, Name: "cluster-" + id + "-jobmanager-leader"} // 1.14 layout
	require.NoError(t, k8s.Get(f.ctx, jobCM, &corev1.ConfigMap{}))
	dispatcher := &corev1.ConfigMap{}
	require.NoError(t, k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: "cluster-dispatcher-leader"}, dispatcher))
	assert.Contains(t, dispatcher.Data, "jobGraph-"+id)

	trigger := f.post("/jobs/"+id+"/stop", `{"drain":false}`)
	for range 3 {
		f.get(fmt.Sprintf("/jobs/%s/savepoints/%s", id, trigger["request-id"]), nil)
	}
	_, state := f.onlyJob()
	require.Equal(t, "FINISHED", state)
	require.Eventually(t, func() bool {
		err := k8s.Get(f.ctx, jobCM, &corev1.ConfigMap{})
		if client.IgnoreNotFound(err) != nil || err == nil {
			return false
		}
		require.NoError(t, k8s.Get(f.ctx, client.ObjectKey{Namespace: f.ns, Name: "cluster-dispatcher-leader"}, dispatcher))
		_, graph := dispatcher.Data["jobGraph-"+id]
		return !graph
	}, 10*time.Second, 50*time.Millisecond, "a finished job's HA ConfigMap and job graph are deleted")
}

// A field Flink 1.20+ would ignore is reported, also after its JobManager
// stopped, so that the e2e run can fail on it.
func TestIgnoredFieldsOutliveTheirJobManager(t *testing.T) {
	f := newFixture(t, "v1_20", map[string]string{"flink-conf.yaml": "parallelism.default: 1\n"})
	f.startPod("jm-1", "bash", "-c", applicationArgs)
	id, _ := f.onlyJob()
	var ignored []string
	require.Equal(t, http.StatusOK, f.get(DebugPrefix+"ignored-fields", &ignored))
	assert.Empty(t, ignored)

	f.post("/jobs/"+id+"/savepoints", `{"target-directory":"/sp","targetDirectory":"/sp"}`)
	want := []string{f.ns + "/" + f.name + `: POST /jobs/` + id + `/savepoints: "targetDirectory"`}
	require.Equal(t, http.StatusOK, f.get(DebugPrefix+"ignored-fields", &ignored))
	assert.Equal(t, want, ignored)

	f.deletePod("jm-1")
	require.Equal(t, http.StatusOK, f.get(DebugPrefix+"ignored-fields", &ignored))
	assert.Equal(t, want, ignored, "kept after the JobManager stopped")
}
