//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

// The scenarios on real Flink, run one at a time (two cores). Each asserts
// what Flink itself reports it restored from (latest.restored of
// /jobs/:id/checkpoints) and that the job's keyed state went on: its
// counter after the restart is at least what it was before.

// TestRealSavepointUpgrade: a native application on Flink 1.20 with
// upgradeMode savepoint gets a configuration change. The operator stops
// the job with a savepoint, replaces the JobManager, and the new job
// restores from that savepoint.
func TestRealSavepointUpgrade(t *testing.T) {
	ns := newNamespace(t, "real-savepoint")
	name := "counter"
	savepointUpgrade(t, ns, name, keyedCounter(ns, name, "1.20", "savepoint"), nil)
	deleteAndVerify(t, ns, name)
}

// TestRealLastStateUpgradeWithHA: a native application on Flink 2.2 with
// Kubernetes HA and upgradeMode last-state gets a configuration change.
// The operator replaces the JobManager without a savepoint; Flink restores
// the job from its latest checkpoint through the HA ConfigMaps, and no job
// graph of the old job is left to be recovered instead of the new one.
func TestRealLastStateUpgradeWithHA(t *testing.T) {
	ns := newNamespace(t, "real-laststate")
	name := "counter"
	fd := withHA(keyedCounter(ns, name, "2.2", "last-state"), ns)
	applyManifest(t, ns, fd)
	jobID := runningJob(t, ns, name)
	oldPod := jobManagerPod(t, ns, name)
	before := waitCounter(t, ns, name, jobID, 20)
	// A checkpoint taken after the counter was read holds at least that.
	checkpointAfter(t, ns, name, jobID, 0)
	id, _, err := latestCheckpoint(ns, name, jobID)
	if err != nil {
		t.Fatal(err)
	}
	checkpointAfter(t, ns, name, jobID, id)

	fd["spec"].(map[string]any)["flinkConfiguration"].(map[string]any)["execution.checkpointing.interval"] = "6s"
	applyManifest(t, ns, fd)
	eventually(t, upgradeTimeout, "a new JobManager pod", func(ctx context.Context) error {
		list, err := pods(ctx, ns, name, "jobmanager")
		if err != nil {
			return err
		}
		for _, p := range list {
			if p.UID != oldPod && podReady(&p) {
				return nil
			}
		}
		return fmt.Errorf("JobManager pod not replaced yet")
	})
	newJob := runningJob(t, ns, name)
	checkRestoredFromCheckpoint(t, ns, name, newJob)
	checkCounterWentOn(t, ns, name, newJob, before)
	cm, err := configMap(context.Background(), ns, name+"-cluster-config-map")
	if err != nil {
		t.Fatal(err)
	}
	for k := range cm.Data {
		if (strings.HasPrefix(k, "jobGraph-") || strings.HasPrefix(k, "executionPlan-")) && !strings.HasSuffix(k, newJob) {
			t.Errorf("HA ConfigMap %s-cluster-config-map still holds %s, a job graph other than the running job %s", name, k, newJob)
		}
	}
	deleteAndVerify(t, ns, name)
}

// TestRealSuspendResume: a savepoint-mode job is suspended (a savepoint,
// then no JobManager) and resumed from that savepoint, on Flink 2.3.
func TestRealSuspendResume(t *testing.T) {
	ns := newNamespace(t, "real-suspend")
	name := "counter"
	fd := keyedCounter(ns, name, "2.3", "savepoint")
	applyManifest(t, ns, fd)
	jobID := runningJob(t, ns, name)
	before := waitCounter(t, ns, name, jobID, 20)

	patch(t, ns, name, `{"spec":{"job":{"state":"suspended"}}}`)
	var savepoint string
	eventually(t, upgradeTimeout, name+" SUSPENDED with a savepoint and no JobManager", func(ctx context.Context) error {
		cols, err := printerColumns(ns, name)
		if err != nil {
			return err
		}
		if cols["LIFECYCLE STATE"] != "SUSPENDED" {
			return fmt.Errorf("printer columns %v, want LIFECYCLE STATE SUSPENDED", cols)
		}
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		if savepoint = savepointInStatus(fd); savepoint == "" {
			return fmt.Errorf("no savepoint in status")
		}
		return runningPods(ctx, ns, name, "jobmanager", 0)
	})

	patch(t, ns, name, `{"spec":{"job":{"state":"running"}}}`)
	newJob := runningJob(t, ns, name)
	checkRestoredFromSavepoint(t, ns, name, newJob, savepoint)
	checkCounterWentOn(t, ns, name, newJob, before)
	deleteAndVerify(t, ns, name)
}

// TestRealJobManagerKilledRecoversFromHA: the JobManager process of an HA
// cluster dies (SIGKILL). The kubelet restarts the container, Flink
// recovers the same job from its HA data, and the operator leaves it
// alone: no savepoint, no new JobManager Deployment revision.
func TestRealJobManagerKilledRecoversFromHA(t *testing.T) {
	ns := newNamespace(t, "real-jmkill")
	name := "counter"
	fd := withHA(keyedCounter(ns, name, "2.2", "savepoint"), ns)
	applyManifest(t, ns, fd)
	jobID := runningJob(t, ns, name)
	before := waitCounter(t, ns, name, jobID, 20)
	id, _, err := latestCheckpointEventually(t, ns, name, jobID)
	if err != nil {
		t.Fatal(err)
	}
	checkpointAfter(t, ns, name, jobID, id)
	ctx := context.Background()
	list, err := pods(ctx, ns, name, "jobmanager")
	if err != nil || len(list) != 1 {
		t.Fatalf("JobManager pods: %d (%v)", len(list), err)
	}
	jm := list[0]
	fdBefore, err := flinkDeployment(ctx, ns, name)
	if err != nil {
		t.Fatal(err)
	}

	killContainer(t, ns, jm.Name, "flink-main-container")
	eventually(t, upgradeTimeout, "the JobManager container restarted and Ready", func(ctx context.Context) error {
		list, err := pods(ctx, ns, name, "jobmanager")
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].UID != jm.UID {
			return permanent{fmt.Errorf("the JobManager pod was replaced (%d pods): the operator or Kubernetes redeployed instead of the container restarting", len(list))}
		}
		p := list[0]
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].RestartCount < 1 || !podReady(&p) {
			return fmt.Errorf("JobManager container not restarted and Ready yet")
		}
		return nil
	})
	recovered := runningJob(t, ns, name)
	if recovered != jobID {
		t.Errorf("after the JobManager restart the cluster runs job %s, want the same job %s recovered from HA", recovered, jobID)
	}
	checkRestoredFromCheckpoint(t, ns, name, recovered)
	checkCounterWentOn(t, ns, name, recovered, before)
	fdAfter, err := flinkDeployment(ctx, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if b, a := savepointInStatus(fdBefore), savepointInStatus(fdAfter); a != b {
		t.Errorf("the operator took a savepoint (%q, before %q) while Flink recovered on its own", a, b)
	}
	deleteAndVerify(t, ns, name)
}

// latestCheckpointEventually waits for the job's first completed
// checkpoint.
func latestCheckpointEventually(t *testing.T, ns, name, jobID string) (int64, string, error) {
	t.Helper()
	var id int64
	var path string
	eventually(t, deployTimeout, "a first checkpoint of job "+jobID, func(context.Context) error {
		var err error
		id, path, err = latestCheckpoint(ns, name, jobID)
		return err
	})
	return id, path, nil
}

// waitSavepointAndNewJobManagerPod waits until status holds a savepoint and
// a JobManager pod other than oldPod is Ready.
func waitSavepointAndNewJobManagerPod(t *testing.T, ns, name string, oldPod types.UID) string {
	t.Helper()
	var savepoint string
	eventually(t, upgradeTimeout, "savepoint in status and a new JobManager pod", func(ctx context.Context) error {
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		savepoint = savepointInStatus(fd)
		list, err := pods(ctx, ns, name, "jobmanager")
		if err != nil {
			return err
		}
		for _, p := range list {
			if p.UID != oldPod && podReady(&p) {
				if savepoint == "" {
					return permanent{fmt.Errorf("a new JobManager pod %s runs but status has no savepoint: the upgrade was not savepoint-gated", p.Name)}
				}
				return nil
			}
		}
		return fmt.Errorf("JobManager pod not replaced yet (savepoint %q)", savepoint)
	})
	return savepoint
}
