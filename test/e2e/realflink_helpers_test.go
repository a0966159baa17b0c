//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// keyedCounterAccumulator is the test job's state, made visible: the
// highest per-key count, fed from keyed state after every record
// (test/flinkjob). Accumulators start from nothing in every run; the state
// behind this one is restored, so after a restore it goes on from where it
// was instead of from 1.
const keyedCounterAccumulator = "keyed-counter-max"

// smallMemory is the smallest Flink memory layout that works for the test
// job (hack/flink-dist.sh runs showed 512m processes need these): two
// clusters fit on two cores.
var smallMemory = map[string]any{
	"jobmanager.memory.jvm-metaspace.size":       "128m",
	"jobmanager.memory.jvm-overhead.min":         "64m",
	"jobmanager.memory.off-heap.size":            "64m",
	"taskmanager.memory.jvm-metaspace.size":      "128m",
	"taskmanager.memory.jvm-overhead.min":        "64m",
	"taskmanager.memory.framework.heap.size":     "64m",
	"taskmanager.memory.framework.off-heap.size": "64m",
	"taskmanager.memory.network.min":             "16m",
	"taskmanager.memory.network.max":             "32m",
	"taskmanager.memory.managed.size":            "32m",
}

// keyedCounter is a FlinkDeployment of the test job: native mode, one
// TaskManager slot, checkpoints every 5 s, savepoints and checkpoints in
// /flink-data/<namespace>, a hostPath volume of the node (the node agent
// keeps it in its own folder), so that a new JobManager pod finds what
// the old one wrote.
func keyedCounter(ns, name, minor, upgradeMode string) map[string]any {
	conf := map[string]any{
		"taskmanager.numberOfTaskSlots":    "1",
		"execution.checkpointing.interval": "5s",
		"state.checkpoints.dir":            "file:///flink-data/" + ns + "/checkpoints",
		"state.savepoints.dir":             "file:///flink-data/" + ns + "/savepoints",
	}
	for k, v := range smallMemory {
		conf[k] = v
	}
	return map[string]any{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkDeployment",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{runLabel: env.runID}},
		"spec": map[string]any{
			"image":              "flink:" + minor,
			"flinkVersion":       "v" + strings.ReplaceAll(minor, ".", "_"),
			"serviceAccount":     "flink",
			"flinkConfiguration": conf,
			"jobManager":         map[string]any{"resource": map[string]any{"memory": "512m", "cpu": 0.5}},
			"taskManager":        map[string]any{"resource": map[string]any{"memory": "512m", "cpu": 0.5}},
			"podTemplate": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{
					"name":         "flink-main-container",
					"volumeMounts": []any{map[string]any{"name": "flink-data", "mountPath": "/flink-data"}},
				}},
				"volumes": []any{map[string]any{
					"name": "flink-data", "hostPath": map[string]any{"path": "/flink-data", "type": "DirectoryOrCreate"},
				}},
			}},
			"job": map[string]any{
				"jarURI":      "local:///opt/flink/examples/streaming/StateMachineExample.jar",
				"parallelism": 1,
				"upgradeMode": upgradeMode,
			},
		},
	}
}

// withHA turns on Flink's Kubernetes HA, its data in /flink-data too.
func withHA(fd map[string]any, ns string) map[string]any {
	conf := fd["spec"].(map[string]any)["flinkConfiguration"].(map[string]any)
	conf["high-availability.type"] = "kubernetes"
	conf["high-availability.storageDir"] = "file:///flink-data/" + ns + "/ha"
	return fd
}

func applyManifest(t *testing.T, ns string, fd map[string]any) {
	t.Helper()
	data, err := yaml.Marshal(fd)
	if err != nil {
		t.Fatal(err)
	}
	mustKubectl(t, string(data), "apply", "-n", ns, "-f", "-")
}

// counter reads the job's keyed counter from its accumulators; an error
// until the first TaskManager heartbeat has brought one (about 10 s after
// the job starts).
func counter(ns, name, jobID string) (int64, error) {
	var acc struct {
		User []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"user-task-accumulators"`
	}
	if err := getJSON(restURL(ns, name, "/jobs/"+jobID+"/accumulators"), &acc); err != nil {
		return 0, err
	}
	for _, a := range acc.User {
		if a.Name == keyedCounterAccumulator {
			return strconv.ParseInt(a.Value, 10, 64)
		}
	}
	return 0, fmt.Errorf("job %s reports no %s accumulator yet", jobID, keyedCounterAccumulator)
}

// waitCounter waits until the job's counter reaches at least min.
func waitCounter(t *testing.T, ns, name, jobID string, min int64) int64 {
	t.Helper()
	var n int64
	eventually(t, deployTimeout, fmt.Sprintf("%s counter of job %s at least %d", keyedCounterAccumulator, jobID, min), func(context.Context) error {
		var err error
		if n, err = counter(ns, name, jobID); err != nil {
			return err
		}
		if n < min {
			return fmt.Errorf("counter %d", n)
		}
		return nil
	})
	return n
}

// checkpointAfter waits for a completed checkpoint newer than id; it
// holds every record counted before it was triggered.
func checkpointAfter(t *testing.T, ns, name, jobID string, id int64) int64 {
	t.Helper()
	var latest int64
	eventually(t, deployTimeout, fmt.Sprintf("a checkpoint of job %s after %d", jobID, id), func(context.Context) error {
		var err error
		if latest, _, err = latestCheckpoint(ns, name, jobID); err != nil {
			return err
		}
		if latest <= id {
			return fmt.Errorf("latest completed checkpoint %d", latest)
		}
		return nil
	})
	return latest
}

// runningJob waits until the cluster is READY and STABLE with its job
// RUNNING, and returns the job id status reports.
func runningJob(t *testing.T, ns, name string) string {
	t.Helper()
	fd := waitReadyStable(t, ns, name, true)
	jobID := statusString(fd, "jobStatus", "jobId")
	if state, err := jobState(ns, name, jobID); err != nil || state != "RUNNING" {
		t.Fatalf("status.jobStatus.jobId %s: the JobManager reports state %q (%v), want RUNNING", jobID, state, err)
	}
	return jobID
}

// jobManagerPod is the UID of the cluster's running JobManager pod.
func jobManagerPod(t *testing.T, ns, name string) types.UID {
	t.Helper()
	list, err := pods(context.Background(), ns, name, "jobmanager")
	if err != nil || len(list) != 1 {
		t.Fatalf("JobManager pods of %s: %d (%v), want 1", name, len(list), err)
	}
	return list[0].UID
}

// killContainer sends SIGKILL to a container's processes through the node
// agent, as `kubectl exec -- kill -9 1` would.
func killContainer(t *testing.T, ns, pod, container string) {
	t.Helper()
	url := fmt.Sprintf("%s/_agent/signal/%s/%s/%s?signal=KILL", env.agentURL, ns, pod, container)
	resp, err := httpClient.Post(url, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}

// savepointUpgrade deploys fd, waits for its job to count, changes its
// checkpoint interval (a configuration change, so an upgrade), calls
// midway (if any) once the change is applied, and checks that the new job
// restored from the upgrade's savepoint and its counter went on. It
// returns the savepoint.
func savepointUpgrade(t *testing.T, ns, name string, fd map[string]any, midway func()) string {
	t.Helper()
	applyManifest(t, ns, fd)
	jobID := runningJob(t, ns, name)
	oldPod := jobManagerPod(t, ns, name)
	before := waitCounter(t, ns, name, jobID, 20)

	fd["spec"].(map[string]any)["flinkConfiguration"].(map[string]any)["execution.checkpointing.interval"] = "6s"
	applyManifest(t, ns, fd)
	if midway != nil {
		midway()
	}
	savepoint := waitSavepointAndNewJobManagerPod(t, ns, name, oldPod)
	newJob := runningJob(t, ns, name)
	checkRestoredFromSavepoint(t, ns, name, newJob, savepoint)
	checkCounterWentOn(t, ns, name, newJob, before)
	return savepoint
}

// checkCounterWentOn fails unless the job's counter is at least before: its
// keyed state was restored rather than started again.
func checkCounterWentOn(t *testing.T, ns, name, jobID string, before int64) {
	t.Helper()
	if after := waitCounter(t, ns, name, jobID, 1); after < before {
		t.Errorf("the counter went from %d to %d across the restart: the job's state was not restored", before, after)
	}
}

// checkRestoredFromCheckpoint fails unless Flink reports the job restored
// from a checkpoint (not a savepoint, not nothing).
func checkRestoredFromCheckpoint(t *testing.T, ns, name, jobID string) {
	t.Helper()
	restored, err := restoredFrom(ns, name, jobID)
	switch {
	case err != nil:
		t.Fatal(err)
	case restored == nil:
		t.Fatalf("job %s started without state (latest.restored is null), want its latest checkpoint", jobID)
	case restored.IsSavepoint:
		t.Errorf("job %s restored from savepoint %s, want the latest checkpoint", jobID, restored.ExternalPath)
	}
}
