//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRealSessionJobsLostByTheirJobManager: the session's JobManager
// process is killed; without high availability it comes back knowing no
// job. The stateless session job is submitted again by itself. The
// savepoint one is not started empty: it holds with Manual restore
// required, and the way its message names (its latest retained
// checkpoint as initialSavepointPath, and a new savepointRedeployNonce)
// brings it back with its count.
func TestRealSessionJobsLostByTheirJobManager(t *testing.T) {
	const sess = "session"
	ns, jars, _ := sessionServingJars(t, "real-sessionjob-lost", sess)
	stateless := sessionJob("stateless", sess, jars.url, "--rate", "20")
	stateless["spec"].(map[string]any)["job"].(map[string]any)["upgradeMode"] = "stateless"
	stateful := sessionJob("stateful", sess, jars.url, "--rate", "20")
	applyManifest(t, ns, stateless)
	applyManifest(t, ns, stateful)
	lostStateless := runningSessionJob(t, ns, sess, "stateless", deployTimeout)
	lostStateful := runningSessionJob(t, ns, sess, "stateful", deployTimeout)
	before := waitCounter(t, ns, sess, lostStateful, 20)
	id, _, err := latestCheckpointEventually(t, ns, sess, lostStateful)
	if err != nil {
		t.Fatal(err)
	}
	checkpointAfter(t, ns, sess, lostStateful, id)

	ctx := context.Background()
	list, err := pods(ctx, ns, sess, "jobmanager")
	if err != nil || len(list) != 1 {
		t.Fatalf("JobManager pods: %d (%v)", len(list), err)
	}
	killContainer(t, ns, list[0].Name, "flink-main-container")

	runningSessionJob(t, ns, sess, "stateless", upgradeTimeout, lostStateless)
	eventually(t, upgradeTimeout, "the stateful job held, not started empty", func(ctx context.Context) error {
		sj, err := getSessionJob(ctx, ns, "stateful")
		if err != nil {
			return err
		}
		if msg := statusString(sj, "error"); !strings.HasPrefix(msg, "Manual restore required: job lost: job "+lostStateful) {
			return fmt.Errorf("status.error %q", msg)
		}
		return nil
	})
	if jobs, err := jobsOnSession(ns, sess); err != nil || len(jobs) != 1 {
		t.Errorf("jobs on the restarted session: %v (%v), want only the stateless one submitted again", jobs, err)
	}

	// The user restores it as the message says, from the newest
	// checkpoint folder the job left.
	checkpoint := newestCheckpoint(t, ns, lostStateful)
	spec := stateful["spec"].(map[string]any)["job"].(map[string]any)
	spec["initialSavepointPath"] = checkpoint
	spec["savepointRedeployNonce"] = 1
	applyManifest(t, ns, stateful)
	restored := runningSessionJob(t, ns, sess, "stateful", upgradeTimeout, lostStateful)
	if info, err := restoredFrom(ns, sess, restored); err != nil || info == nil || info.ExternalPath != strings.Replace(checkpoint, "file:///", "file:/", 1) {
		t.Errorf("the restored job %s restored from %+v (%v), want %s", restored, info, err, checkpoint)
	}
	checkCounterWentOn(t, ns, sess, restored, before)

	deleteSessionJob(t, ns, "stateless")
	deleteSessionJob(t, ns, "stateful")
	deleteAndVerify(t, ns, sess)
}

// newestCheckpoint is the job's newest retained checkpoint folder on the
// node (chk-<n> of the highest n), as a Flink path.
func newestCheckpoint(t *testing.T, ns, jobID string) string {
	t.Helper()
	dir := filepath.Join(env.nodeRoot, "flink-data", ns, "checkpoints", jobID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	best := -1
	for _, e := range entries {
		if n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "chk-")); err == nil && strings.HasPrefix(e.Name(), "chk-") && n > best {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "_metadata")); err == nil {
				best = n
			}
		}
	}
	if best < 0 {
		t.Fatalf("no completed checkpoint of job %s in %s", jobID, dir)
	}
	return fmt.Sprintf("file:///flink-data/%s/checkpoints/%s/chk-%d", ns, jobID, best)
}
