package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/webhook"
)

// TestWebhookInTheOperatorBinary runs flink-operator --webhook with its own
// self-signed certificate against a real API server whose
// ValidatingWebhookConfiguration points at the operator: the operator must
// write its certificate Secret, put its CA into the configuration, report
// ready, and the API server must then refuse a bad FlinkDeployment with the
// operator's message.
func TestWebhookInTheOperatorBinary(t *testing.T) {
	assets, err := testenv.Assets()
	require.NoError(t, err)
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(testenv.RepoRoot(), "charts", "flink-operator", "crds")},
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			LocalServingHost:   "127.0.0.1",
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhook.Configuration("flink-operator-webhook", "operators", "flink-operator-webhook", 443, nil)},
		},
	}
	_, err = env.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	k8s := mustClient(t, env.Config)
	ctx := context.Background()
	for _, ns := range []string{"operators", "team-a"} {
		require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}

	p := startOperator(t, "webhook", buildOperator(t), writeKubeconfig(t, env.Config),
		"--leader-elect=false", "--webhook", "--webhook-port", strconv.Itoa(env.WebhookInstallOptions.LocalServingPort),
		"--webhook-namespace", "operators", "--webhook-cert-extra-hosts", "127.0.0.1")
	eventually(t, 30*time.Second, "operator ready with its webhook", func() bool { return p.probe("/readyz") == http.StatusOK })

	secret := &corev1.Secret{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: "operators", Name: "flink-operator-webhook-cert"}, secret))
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Name: "flink-operator-webhook"}, cfg))
	assert.Equal(t, secret.Data["ca.crt"], cfg.Webhooks[0].ClientConfig.CABundle, "the operator's CA is trusted")

	bad := scaleCR("team-a", "bad")
	bad.Spec.Job.UpgradeMode = "last-state"
	var lastErr error
	eventually(t, 30*time.Second, "the API server calls the operator's webhook", func() bool {
		lastErr = k8s.Create(ctx, bad.DeepCopy())
		return lastErr != nil && strings.HasPrefix(lastErr.Error(), `admission webhook "validate.flinkdeployments.flink.apache.org" denied the request: `)
	})
	assert.Equal(t, `admission webhook "validate.flinkdeployments.flink.apache.org" denied the request: FlinkDeployment.flink.apache.org "bad" is invalid: [`+
		`spec.job.upgradeMode: Invalid value: "last-state": needs Kubernetes high availability (flinkConfiguration high-availability.type: kubernetes): its metadata is how a new JobManager finds the latest checkpoint, `+
		`spec.flinkConfiguration[execution.checkpointing.dir]: Required value: upgradeMode last-state needs a checkpoint directory: set execution.checkpointing.dir (or its older name state.checkpoints.dir)]`, lastErr.Error())
	require.NoError(t, k8s.Create(ctx, scaleCR("team-a", "good")))
	assert.NotContains(t, p.logs.String(), "panic")
}
