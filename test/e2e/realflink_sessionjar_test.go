//go:build e2e && realflink

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// TestRealSessionJarSubmission: the REST calls a FlinkSessionJob is
// submitted with, made by the test on a real Flink 2.2 session cluster the
// operator runs, as a user of the Flink CLI would. The test job's jar is
// uploaded, run with a job id chosen in advance, and counts; running it
// again is refused as a duplicate and starts nothing. Deleting the session
// waits for the job, which no FlinkSessionJob manages; the job is
// cancelled, the jar deleted, twice, and the session's deletion goes on.
func TestRealSessionJarSubmission(t *testing.T) {
	jar := testJobJar(t, "2.2")
	ns := newNamespace(t, "real-session-jar")
	name := "session"
	fd := keyedCounter(ns, name, "2.2", "stateless")
	delete(fd["spec"].(map[string]any), "job")
	applyManifest(t, ns, fd)
	waitReadyStable(t, ns, name, false)

	ctx := context.Background()
	c := flinkrest.New(restURL(ns, name, ""), "v2_2", flinkrest.WithTimeout(time.Minute))
	f, err := os.Open(jar)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	jarID, err := c.UploadJar(ctx, ns+"_keyed-counter.jar", f)
	if err != nil {
		t.Fatalf("upload %s: %v", jar, err)
	}
	jobID := newJobID(t)
	// Job-level configuration over the session's 5 s checkpoint interval.
	run := flinkrest.RunJarRequest{JobID: jobID, Parallelism: 1, FlinkConfiguration: map[string]string{"execution.checkpointing.interval": "7s"}}
	if got, err := c.RunJar(ctx, jarID, run); err != nil || got != jobID {
		t.Fatalf("run %s with job id %s: got %q, %v", jarID, jobID, got, err)
	}
	// The job runs under the chosen id, and counts: its TaskManager was
	// started by the session's JobManager for it. It took the job-level
	// configuration.
	waitCounter(t, ns, name, jobID, 1)
	var cpConfig struct {
		Interval int64 `json:"interval"`
	}
	if err := getJSON(restURL(ns, name, "/jobs/"+jobID+"/checkpoints/config"), &cpConfig); err != nil || cpConfig.Interval != 7000 {
		t.Errorf("checkpoint interval of the job: %d ms (%v), want the run's 7000", cpConfig.Interval, err)
	}

	// The same run again, as after an operator crash between the run and
	// its status write: Flink refuses the id, and still runs one job.
	_, err = c.RunJar(ctx, jarID, run)
	if !flinkrest.IsDuplicateJob(err) {
		t.Errorf("the same run again: want Flink's duplicate job, got %v", err)
	}
	jobs, err := c.ListJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].ID != jobID {
		t.Errorf("jobs on the session: %+v, want the one job %s", jobs, jobID)
	}

	if err := c.DeleteJar(ctx, jarID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteJar(ctx, jarID); !flinkrest.IsJarNotFound(err) {
		t.Errorf("delete again: want Flink's missing jar, got %v", err)
	}
	if _, err := c.RunJar(ctx, jarID, flinkrest.RunJarRequest{JobID: newJobID(t)}); !flinkrest.IsJarNotFound(err) {
		t.Errorf("run of the deleted jar: want Flink's missing jar, got %v", err)
	}
	// No FlinkSessionJob manages this job, as if the Flink CLI had
	// submitted it: deleting the session waits for it, naming it.
	mustKubectl(t, "", "delete", "flinkdeployment", name, "-n", ns, "--wait=false")
	eventually(t, deployTimeout, "the session's deletion blocked by the unmanaged job", func(ctx context.Context) error {
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		if msg := statusString(fd, "error"); !strings.Contains(msg, "deletion blocked: jobs "+jobID) {
			return fmt.Errorf("status.error %q", msg)
		}
		return nil
	})
	if state, err := jobState(ns, name, jobID); err != nil || state != "RUNNING" {
		t.Errorf("job %s is %q (%v) while the session's deletion waits, want RUNNING", jobID, state, err)
	}

	if err := c.CancelJob(ctx, jobID); err != nil {
		t.Fatal(err)
	}
	// Once the job ended, the deletion goes on by itself.
	deleteAndVerify(t, ns, name)
}

func newJobID(t *testing.T) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}
