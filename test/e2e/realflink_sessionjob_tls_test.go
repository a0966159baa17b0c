//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestRealSessionJobFromS3OnATLSSession: a session job whose jar is on
// s3://, on a Flink 2.2 session that serves its REST API only over TLS,
// with the stores in a Secret that Flink mounts (kubernetes.secrets), as
// docs/rest-tls.md tells users. The operator's pod that fetches the jar
// mounts the session's configuration and that Secret as the JobManager
// does, and uploads over https, checking the JobManager's certificate
// against the Service's name; the job runs and counts, and the pod is
// gone.
func TestRealSessionJobFromS3OnATLSSession(t *testing.T) {
	jar, err := os.ReadFile(testJobJar(t, sessionMinor))
	if err != nil {
		t.Fatal(err)
	}
	s3 := startS3(t, "jobs", "keyed-counter.jar", jar)
	op := startTLSOperator(t, "--session-jobs")
	ns := newNamespace(t, "real-sessionjob-tls-s3")
	// Before the TLS operator's clean-up deletes the session: a session's
	// deletion waits for its session jobs.
	t.Cleanup(func() { _, _ = kubectl("", "delete", "flinksessionjobs", "--all", "-n", ns, "--timeout=90s") })
	s3.credentialsSecret(t, ns, "s3-credentials", "AKIDTLSSESSIONE2E")

	const sess = "session"
	ca := newRESTCA(t)
	dir := tlsStoreDir(t)
	writePKCS12(t, dir, "pw-p12", ca.leaf(t, serviceNames(ns, sess)...))
	fd := tlsCounter(t, ns, sess, dir, map[string]any{
		"security.ssl.rest.keystore": dir + "/keystore.p12", "security.ssl.rest.keystore-password": "pw-p12",
		"security.ssl.rest.key-password": "pw-p12",
		"security.ssl.rest.truststore":   dir + "/truststore.p12", "security.ssl.rest.truststore-password": "pw-p12",
	})
	delete(fd["spec"].(map[string]any), "job")
	applyManifest(t, ns, fd)
	if err := op.running(); err != nil {
		t.Fatal(err)
	}
	waitReadyStable(t, ns, sess, false)

	orders := sessionJob("orders", sess, "s3://jobs/keyed-counter.jar", "--rate", "20")
	orders["metadata"].(map[string]any)["labels"] = map[string]any{runLabel: tlsRun()}
	orders["spec"].(map[string]any)["flinkConfiguration"] = map[string]any{"kubernetes.operator.user.artifacts.credentials-secret": "s3-credentials"}
	applyManifest(t, ns, orders)

	var jobID string
	eventually(t, deployTimeout, "FlinkSessionJob orders RUNNING over TLS", func(ctx context.Context) error {
		sj, err := getSessionJob(ctx, ns, "orders")
		if err != nil {
			return err
		}
		jobID = statusString(sj, "jobStatus", "jobId")
		if state := statusString(sj, "jobStatus", "state"); state != "RUNNING" || jobID == "" {
			return fmt.Errorf("job %q %s, status.error %q", jobID, state, statusString(sj, "error"))
		}
		if state, err := tlsJobState(ns, sess, jobID, ca.pool(), nil); err != nil || state != "RUNNING" {
			return fmt.Errorf("the JobManager reports job %s %q over https (%v)", jobID, state, err)
		}
		return nil
	})
	if !s3.signedBy("AKIDTLSSESSIONE2E") {
		t.Errorf("the S3 server saw no request signed with the Secret's key")
	}
	noFetchPodLeft(t, ns, "orders")
	deleteSessionJob(t, ns, "orders")
	deleteAndVerify(t, ns, sess)
}
