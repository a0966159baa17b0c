//go:build e2e && !realflink

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// lastStateDummyPath is the restore path the reference operator configures
// for a last-state restore when HA holds a checkpoint, so that a job never
// silently starts empty if the HA data vanished (apache-operator.md §2.5).
const lastStateDummyPath = "KUBERNETES_OPERATOR_LAST_STATE"

// TestLastStateUpgradeWithHA changes the image of a job with upgradeMode
// last-state and Kubernetes HA: the JobManager is replaced without a
// savepoint, and the job, keeping its id, recovers from the latest
// checkpoint in Flink's HA ConfigMaps.
func TestLastStateUpgradeWithHA(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t, "laststate")
	name := applyExample(t, ns, "last-state-ha.yaml")
	waitReadyStable(t, ns, name, true)
	before, err := jobManager(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	jobCM := name + "-" + before.JobID + "-config-map" // Flink 2.2's per-job HA ConfigMap
	var checkpointID int64
	eventually(t, deployTimeout, "a checkpoint in the HA metadata", func(ctx context.Context) error {
		cm, err := haCheckpointKeys(ctx, ns, jobCM)
		if err != nil {
			return err
		}
		if len(cm) == 0 {
			return fmt.Errorf("ConfigMap %s has no checkpointID-* key yet", jobCM)
		}
		checkpointID, _, err = latestCheckpoint(ns, name, before.JobID)
		return err
	})

	patch(t, ns, name, `{"spec":{"image":"flink:2.2.2"}}`)
	eventually(t, upgradeTimeout, "a new JobManager", func(context.Context) error {
		jm, err := jobManager(ns, name)
		if err != nil {
			return err
		}
		if jm.PodUID == before.PodUID {
			return fmt.Errorf("JobManager pod %s not replaced yet", jm.Pod)
		}
		return nil
	})
	fd := waitReadyStable(t, ns, name, true)
	after, err := jobManager(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if after.JobID != before.JobID {
		t.Errorf("job id changed from %s to %s; a last-state upgrade keeps it", before.JobID, after.JobID)
	}
	restored, err := restoredFrom(ns, name, after.JobID)
	switch {
	case err != nil:
		t.Fatal(err)
	case restored == nil:
		t.Errorf("job %s started without state (latest.restored is null), want the latest HA checkpoint", after.JobID)
	case restored.IsSavepoint || restored.ID < checkpointID ||
		!strings.HasPrefix(restored.ExternalPath, "file:///flink-data/checkpoints/"+before.JobID+"/chk-"):
		t.Errorf("job restored from %+v, want a checkpoint of job %s with id >= %d", *restored, before.JobID, checkpointID)
	}
	if p := savepointInStatus(fd); p != "" && !strings.Contains(p, "chk-") && p != lastStateDummyPath {
		t.Errorf("status records savepoint %q: a last-state upgrade takes none", p)
	}
	conf, err := configMapData(context.Background(), ns, "flink-config-"+name, "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(conf, lastStateDummyPath) {
		t.Errorf("config.yaml does not restore from %s, the reference operator's guard against starting empty when HA data is gone:\n%s", lastStateDummyPath, conf)
	}
	deleteAndVerify(t, ns, name)
}

// haCheckpointKeys lists the checkpointID-* keys of an HA ConfigMap.
func haCheckpointKeys(ctx context.Context, ns, name string) ([]string, error) {
	cm, err := configMap(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	var keys []string
	for k := range cm.Data {
		if strings.HasPrefix(k, "checkpointID-") {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
