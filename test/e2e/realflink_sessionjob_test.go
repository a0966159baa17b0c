//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealSessionJobsLifecycle: FlinkSessionJobs on one real Flink session
// cluster, from the user's side, each step on jobs that count in keyed
// state (test/flinkjob), so that "restored" means the count went on:
//
//   - two jobs are submitted and run;
//   - a savepoint upgrade of one restores it from its savepoint while the
//     other keeps its job;
//   - suspend and resume restores from the suspension's savepoint;
//   - a job that FAILED for good is restored from its latest checkpoint
//     once its spec is fixed;
//   - a change to the session cluster itself restarts it, and every job
//     resumes from a savepoint of its own;
//   - deleting the session is blocked while session jobs name it;
//   - deleting a job with savepoint-on-deletion stops it with a
//     savepoint, and then the session's deletion goes on.
func TestRealSessionJobsLifecycle(t *testing.T) {
	const sess = "session"
	ns, jars, fd := sessionServingJars(t, "real-sessionjobs", sess)

	alpha := sessionJob("alpha", sess, jars.url, "--rate", "20")
	alpha["spec"].(map[string]any)["flinkConfiguration"] = map[string]any{"kubernetes.operator.job.savepoint-on-deletion": "true"}
	beta := sessionJob("beta", sess, jars.url, "--rate", "20")
	applyManifest(t, ns, alpha)
	applyManifest(t, ns, beta)
	a1 := runningSessionJob(t, ns, sess, "alpha", deployTimeout)
	b1 := runningSessionJob(t, ns, sess, "beta", deployTimeout)
	if jars.fetches.Load() == 0 {
		t.Error("the jar server was never asked for the jar")
	}

	// A savepoint upgrade of alpha; beta keeps running its job.
	before := waitCounter(t, ns, sess, a1, 20)
	setArgs(alpha, "--rate", "25")
	applyManifest(t, ns, alpha)
	a2 := runningSessionJob(t, ns, sess, "alpha", upgradeTimeout, a1)
	checkRestoredFromSavepoint(t, ns, sess, a2, restorePathOf(t, ns, "alpha"))
	checkCounterWentOn(t, ns, sess, a2, before)
	if got := runningSessionJob(t, ns, sess, "beta", deployTimeout); got != b1 {
		t.Errorf("beta runs job %s after alpha's upgrade, want its job %s untouched", got, b1)
	}

	// Suspend and resume beta.
	before = waitCounter(t, ns, sess, b1, 20)
	setJobState(beta, "suspended")
	applyManifest(t, ns, beta)
	eventually(t, upgradeTimeout, "beta SUSPENDED, its job ended", func(ctx context.Context) error {
		sj, err := getSessionJob(ctx, ns, "beta")
		if err != nil {
			return err
		}
		if s := statusString(sj, "lifecycleState"); s != "SUSPENDED" {
			return fmt.Errorf("lifecycleState %q (status.error %q)", s, statusString(sj, "error"))
		}
		if s, err := jobState(ns, sess, b1); err != nil || s == "RUNNING" {
			return fmt.Errorf("job %s %q (%v)", b1, s, err)
		}
		return nil
	})
	setJobState(beta, "running")
	applyManifest(t, ns, beta)
	b2 := runningSessionJob(t, ns, sess, "beta", upgradeTimeout, b1)
	checkRestoredFromSavepoint(t, ns, sess, b2, restorePathOf(t, ns, "beta"))
	checkCounterWentOn(t, ns, sess, b2, before)

	failedJobIsRestoredFromItsCheckpoint(t, ns, sess, jars.url)

	// A change of the session cluster: both jobs stop with a savepoint,
	// the session restarts, and each job resumes from its own savepoint.
	beforeA, beforeB := waitCounter(t, ns, sess, a2, 1), waitCounter(t, ns, sess, b2, 1)
	spA, spB := restorePathOf(t, ns, "alpha"), restorePathOf(t, ns, "beta")
	oldPod := jobManagerPod(t, ns, sess)
	fd["spec"].(map[string]any)["flinkConfiguration"].(map[string]any)["execution.checkpointing.interval"] = "6s"
	applyManifest(t, ns, fd)
	eventually(t, upgradeTimeout, "a new JobManager for the session", func(ctx context.Context) error {
		list, err := pods(ctx, ns, sess, "jobmanager")
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].UID == oldPod || !podReady(&list[0]) {
			return fmt.Errorf("%d JobManager pods, the old one's UID %s", len(list), oldPod)
		}
		return nil
	})
	a3 := runningSessionJob(t, ns, sess, "alpha", upgradeTimeout, a2)
	b3 := runningSessionJob(t, ns, sess, "beta", upgradeTimeout, b2)
	for _, j := range []struct{ name, job, previous string }{{"alpha", a3, spA}, {"beta", b3, spB}} {
		sp := restorePathOf(t, ns, j.name)
		if sp == "" || sp == j.previous {
			t.Errorf("%s resumed from %q after the session's restart, want a savepoint taken for it", j.name, sp)
		}
		checkRestoredFromSavepoint(t, ns, sess, j.job, sp)
	}
	checkCounterWentOn(t, ns, sess, a3, beforeA)
	checkCounterWentOn(t, ns, sess, b3, beforeB)

	// Deleting the session waits for its session jobs.
	mustKubectl(t, "", "delete", "flinkdeployment", sess, "-n", ns, "--wait=false")
	eventually(t, deployTimeout, "the session's deletion blocked, naming its jobs", func(ctx context.Context) error {
		fd, err := flinkDeployment(ctx, ns, sess)
		if err != nil {
			return err
		}
		msg := statusString(fd, "error")
		if !strings.HasPrefix(msg, "deletion blocked: ") || !strings.Contains(msg, ns+"/alpha") || !strings.Contains(msg, ns+"/beta") {
			return fmt.Errorf("status.error %q", msg)
		}
		return nil
	})
	if s, err := jobState(ns, sess, a3); err != nil || s != "RUNNING" {
		t.Errorf("alpha's job %s is %q (%v) while the session's deletion is blocked, want RUNNING", a3, s, err)
	}

	// alpha stops with a savepoint on deletion; beta is cancelled.
	savepointsOf := func(jobID string) []string {
		entries, _ := os.ReadDir(filepath.Join(env.nodeRoot, "flink-data", ns, "savepoints"))
		var out []string
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "savepoint-"+jobID[:6]) {
				out = append(out, e.Name())
			}
		}
		return out
	}
	if got := savepointsOf(a3); len(got) != 0 {
		t.Fatalf("savepoints of alpha's job %s before its deletion: %v", a3, got)
	}
	deleteSessionJob(t, ns, "alpha")
	if got := savepointsOf(a3); len(got) != 1 {
		t.Errorf("savepoints of alpha's job %s after its deletion: %v, want the one savepoint-on-deletion takes", a3, got)
	}
	deleteSessionJob(t, ns, "beta")
	if s, err := jobState(ns, sess, b3); err != nil || s != "CANCELED" {
		t.Errorf("beta's job %s is %q (%v) after its deletion, want CANCELED", b3, s, err)
	}
	// Nothing references the session now: its deletion goes on.
	deleteAndVerify(t, ns, sess)
}

// failedJobIsRestoredFromItsCheckpoint: a session job fails for good (its
// code throws once a count reaches --fail-at, and its job configuration
// turns restarts off). Its checkpoints outlive the failure because the
// operator runs a savepoint job with them retained; fixing the spec
// restores the new job from the latest one, not from nothing.
func failedJobIsRestoredFromItsCheckpoint(t *testing.T, ns, sess, jarURL string) {
	t.Helper()
	const failAt = 300 // per key; at 40 records/s over 4 keys, about 30 s in
	gamma := sessionJob("gamma", sess, jarURL, "--rate", "40", "--fail-at", fmt.Sprint(failAt))
	gamma["spec"].(map[string]any)["flinkConfiguration"] = map[string]any{"restart-strategy.type": "none"}
	applyManifest(t, ns, gamma)
	var failed string
	eventually(t, upgradeTimeout, "gamma FAILED for good", func(ctx context.Context) error {
		sj, err := getSessionJob(ctx, ns, "gamma")
		if err != nil {
			return err
		}
		failed = statusString(sj, "jobStatus", "jobId")
		if s := statusString(sj, "jobStatus", "state"); s != "FAILED" {
			return fmt.Errorf("job %q %s", failed, s)
		}
		return nil
	})
	_, checkpoint, err := latestCheckpoint(ns, sess, failed)
	if err != nil {
		t.Fatalf("the failed job's latest checkpoint: %v", err)
	}
	setArgs(gamma, "--rate", "40")
	applyManifest(t, ns, gamma)
	restored := runningSessionJob(t, ns, sess, "gamma", upgradeTimeout, failed)
	if got := restorePathOf(t, ns, "gamma"); got != checkpoint {
		t.Errorf("gamma resubmitted from %q, want the failed job's latest checkpoint %s", got, checkpoint)
	}
	// Flink reports a checkpoint given as the run's savepointPath as a
	// savepoint restore (latest.restored.is_savepoint is true on 2.2), so
	// the path tells.
	if info, err := restoredFrom(ns, sess, restored); err != nil || info == nil || info.ExternalPath != checkpoint {
		t.Errorf("gamma's new job %s restored from %+v (%v), want the failed job's latest checkpoint %s", restored, info, err, checkpoint)
	}
	// The checkpoint holds counts within one interval (5 s, 50 per key)
	// of failAt; a job started from nothing counts 10 per second.
	if after := waitCounter(t, ns, sess, restored, 1); after < failAt-100 {
		t.Errorf("gamma's counter is %d after the restore, want it near %d where the failed job stopped", after, failAt)
	}
	deleteSessionJob(t, ns, "gamma")
}

func setArgs(sj map[string]any, args ...string) {
	list := make([]any, len(args))
	for i, a := range args {
		list[i] = a
	}
	sj["spec"].(map[string]any)["job"].(map[string]any)["args"] = list
}

func setJobState(sj map[string]any, state string) {
	sj["spec"].(map[string]any)["job"].(map[string]any)["state"] = state
}
