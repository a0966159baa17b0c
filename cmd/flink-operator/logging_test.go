package main

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestLogsNeverHoldCRContents runs the operator at its highest verbosity
// over the life of a FlinkDeployment whose configuration and arguments
// hold secret-looking values (create, an invalid edit, a valid edit,
// deletion) and checks that none of them ever reaches the log: a
// FlinkDeployment may carry credentials (S3 keys, keystore passwords) and
// operator logs are shipped to places with wider access than the CR.
func TestLogsNeverHoldCRContents(t *testing.T) {
	env, k8s := freshAPIServer(t, "jobs")
	ctx := context.Background()
	op := startOperator(t, "debug", buildOperator(t), writeKubeconfig(t, env.Config),
		"--zap-log-level=10", "--watch-namespaces", "jobs", "--resync-interval", "1s", "--progress-interval", "500ms")

	secrets := []string{"SECRET-s3-key-7d1f", "SECRET-keystore-pw-91ac", "SECRET-azure-44e0", "SECRET-job-arg-0b3c"}
	fd := scaleCR("jobs", "leaky")
	fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
		"taskmanager.numberOfTaskSlots":                   2,
		"s3.secret-key":                                   secrets[0],
		"security.ssl.rest.keystore-password":             secrets[1],
		"fs.azure.account.key.acct.blob.core.windows.net": secrets[2],
	})
	fd.Spec.Job.Args = []string{"--db-password", secrets[3]}
	if err := k8s.Create(ctx, fd); err != nil {
		t.Fatal(err)
	}
	waitReconciled(t, k8s, "jobs", "leaky", "flink:1.20")

	// An invalid edit (a key the operator decides, set by hand) that also
	// rotates a secret: the error path must not echo the spec either.
	secrets = append(secrets, "SECRET-rotated-5e2a")
	edit(t, k8s, "jobs", "leaky", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
			"taskmanager.numberOfTaskSlots":                   2,
			"kubernetes.cluster-id":                           "hand-made",
			"s3.secret-key":                                   secrets[0],
			"security.ssl.rest.keystore-password":             secrets[1],
			"fs.azure.account.key.acct.blob.core.windows.net": secrets[2],
		})
		fd.Spec.Job.Args = []string{"--db-password", secrets[4]}
	})
	eventually(t, 20*time.Second, "the invalid edit was not reported in status.error", func() bool {
		got := &v1beta1.FlinkDeployment{}
		return k8s.Get(ctx, client.ObjectKey{Namespace: "jobs", Name: "leaky"}, got) == nil &&
			strings.Contains(got.Status.Error, "kubernetes.cluster-id")
	})
	// A valid edit: an upgrade, with the new secret applied.
	edit(t, k8s, "jobs", "leaky", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
			"taskmanager.numberOfTaskSlots":                   2,
			"s3.secret-key":                                   secrets[0],
			"security.ssl.rest.keystore-password":             secrets[1],
			"fs.azure.account.key.acct.blob.core.windows.net": secrets[2],
		})
		fd.Spec.Image = "flink:1.20.1"
	})
	waitReconciled(t, k8s, "jobs", "leaky", "flink:1.20.1")

	if err := k8s.Delete(ctx, &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "jobs", Name: "leaky"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the FlinkDeployment was not finalized", func() bool {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: "jobs", Name: "leaky"}, &v1beta1.FlinkDeployment{})
		return apierrors.IsNotFound(err)
	})
	time.Sleep(time.Second) // let the last events and log lines flush

	log := op.logs.String()
	if !strings.Contains(log, `"level":"debug"`) {
		t.Fatalf("the operator did not log at debug level, so the test proves nothing:\n%s", log)
	}
	if !strings.Contains(log, "leaky") {
		t.Fatalf("the operator never logged about the FlinkDeployment, so the test proves nothing:\n%s", log)
	}
	if leaked := containsAny(log, secrets...); leaked != "" {
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, leaked) {
				t.Errorf("the operator logged a value from the CR (%s):\n%s", leaked, line)
			}
		}
	}
}
