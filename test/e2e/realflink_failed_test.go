//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"testing"
)

// TestRealFailedJobRestoresFromLatestCheckpoint: a job fails for good (its
// code throws once a count reaches --fail-at, and restarts are off). The
// user fixes the spec; the operator cannot take a savepoint of a failed
// job, so it must redeploy from the latest checkpoint Flink retained, not
// from nothing.
func TestRealFailedJobRestoresFromLatestCheckpoint(t *testing.T) {
	ns := newNamespace(t, "real-failed")
	name := "counter"
	const failAt = 300 // per key; at 40 records/s over 4 keys, about 30 s in
	fd := keyedCounter(ns, name, "1.20", "savepoint")
	spec := fd["spec"].(map[string]any)
	spec["flinkConfiguration"].(map[string]any)["restart-strategy.type"] = "none"
	job := spec["job"].(map[string]any)
	job["args"] = []any{"--rate", "40", "--fail-at", fmt.Sprint(failAt)}
	applyManifest(t, ns, fd)

	var jobID, checkpoint string
	eventually(t, deployTimeout, "the job FAILED for good", func(ctx context.Context) error {
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		jobID = statusString(fd, "jobStatus", "jobId")
		if state := statusString(fd, "jobStatus", "state"); state != "FAILED" {
			return fmt.Errorf("status.jobStatus.state %q", state)
		}
		return nil
	})
	_, checkpoint, err := latestCheckpoint(ns, name, jobID)
	if err != nil {
		t.Fatalf("the failed job's latest checkpoint: %v", err)
	}

	job["args"] = []any{"--rate", "40"}
	applyManifest(t, ns, fd)
	var newJob string
	eventually(t, upgradeTimeout, "a new job RUNNING", func(ctx context.Context) error {
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		newJob = statusString(fd, "jobStatus", "jobId")
		if newJob == jobID {
			return fmt.Errorf("still job %s (%s)", jobID, statusString(fd, "jobStatus", "state"))
		}
		if state, err := jobState(ns, name, newJob); err != nil || state != "RUNNING" {
			return fmt.Errorf("job %s: %q (%v)", newJob, state, err)
		}
		return nil
	})
	restored, err := restoredFrom(ns, name, newJob)
	switch {
	case err != nil:
		t.Fatal(err)
	case restored == nil:
		t.Fatalf("job %s started without state after the failed job; want it restored from checkpoint %s", newJob, checkpoint)
	case restored.ExternalPath != checkpoint:
		t.Errorf("job %s restored from %s, want the failed job's latest checkpoint %s", newJob, restored.ExternalPath, checkpoint)
	}
	// The checkpoint holds counts within one interval (5 s, 50 per key) of
	// failAt; a job started from nothing counts 10 per second.
	if after := waitCounter(t, ns, name, newJob, 1); after < failAt-100 {
		t.Errorf("the counter is %d after the restore, want it near %d where the failed job stopped", after, failAt)
	}
	deleteAndVerify(t, ns, name)
}
