//go:build e2e && !realflink

package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// gateGrace is how long after a JobManager restart the savepoint may still
// be missing from status: the pass that applies the new Deployment writes
// status at its end.
const gateGrace = 15 * time.Second

// TestSavepointUpgrade changes the image of a job with upgradeMode
// savepoint: the operator must take a savepoint before the JobManager is
// replaced, record it in status, and the new JobManager's job must restore
// from it.
func TestSavepointUpgrade(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t, "savepoint")
	name := applyExample(t, ns, "savepoint-upgrade.yaml")
	waitReadyStable(t, ns, name, true)
	before, err := jobManager(ns, name)
	if err != nil {
		t.Fatal(err)
	}

	patch(t, ns, name, `{"spec":{"image":"flink:2.2.2"}}`)
	savepoint := waitSavepointAndNewJobManager(t, ns, name, before.PodUID)
	// Flink prints file:///x as file:/x.
	if !strings.HasPrefix(savepoint, "file:/flink-data/savepoints/savepoint-") {
		t.Errorf("savepoint %q is not in the configured state.savepoints.dir", savepoint)
	}
	waitReadyStable(t, ns, name, true)
	after, err := jobManager(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	checkRestoredFromSavepoint(t, ns, name, after.JobID, savepoint)
	// Flink 2.2: config.yaml, nested, execution.state-recovery.path.
	conf, err := configMapData(context.Background(), ns, "flink-config-"+name, "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(conf, "path: "+savepoint+"\n") || !strings.Contains(conf, "state-recovery:") {
		t.Errorf("config.yaml of the new JobManager does not restore from %s (execution.state-recovery.path):\n%s", savepoint, conf)
	}
	deleteAndVerify(t, ns, name)
}

// waitSavepointAndNewJobManager waits until status holds a savepoint and a
// JobManager of another pod than oldPod runs; a JobManager replaced
// without a savepoint fails at once (after gateGrace).
func waitSavepointAndNewJobManager(t *testing.T, ns, name string, oldPod types.UID) string {
	t.Helper()
	var savepoint string
	var replacedAt time.Time
	eventually(t, upgradeTimeout, "savepoint in status and a new JobManager", func(ctx context.Context) error {
		// The JobManager first: once the new one runs, the savepoint
		// must already be in status.
		jm, jmErr := jobManager(ns, name)
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		savepoint = savepointInStatus(fd)
		replaced := jmErr == nil && jm.PodUID != oldPod
		if replaced && savepoint == "" {
			if replacedAt.IsZero() {
				replacedAt = time.Now()
			}
			if time.Since(replacedAt) > gateGrace {
				return permanent{fmt.Errorf("the JobManager was replaced (pod %s, job restored from %q) but no savepoint is in status.jobStatus.upgradeSavepointPath or savepointInfo.lastSavepoint: the upgrade was not savepoint-gated", jm.Pod, jm.RestoredFrom)}
			}
		}
		switch {
		case savepoint == "":
			return errors.New("no savepoint in status.jobStatus.upgradeSavepointPath or savepointInfo.lastSavepoint yet")
		case jmErr != nil:
			return jmErr
		case !replaced:
			return fmt.Errorf("JobManager pod %s not replaced yet", jm.Pod)
		}
		return nil
	})
	return savepoint
}
