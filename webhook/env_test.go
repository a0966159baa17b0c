package webhook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// installedConfiguration is the ValidatingWebhookConfiguration envtest
// installs, pointed at a local port with a CA of its own.
const installedConfiguration = "flink-operator-webhook"

var (
	envOnce sync.Once
	env     *envtest.Environment
	envErr  error
)

// TestMain stops the API server the tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop kube-apiserver:", err)
		}
	}
	os.Exit(code)
}

// apiServer starts (once) kube-apiserver and etcd with the chart's CRD, the
// FlinkSessionJob CRD, and the webhook configurations (validating, with
// the session jobs' webhook, and the session jobs' mutating one) of the
// same name, which envtest rewrites to
// call https://127.0.0.1:<port>/... trusting the CA of its serving
// certificate folder.
func apiServer(t *testing.T) (*envtest.Environment, client.Client) {
	t.Helper()
	envOnce.Do(func() {
		assets, err := testenv.Assets()
		if err != nil {
			envErr = err
			return
		}
		// FlinkDeployments, and FlinkSessionJobs as with --session-jobs.
		validating := Configuration(installedConfiguration, "operators", "flink-operator-webhook", 443, nil)
		validating.Webhooks = append(validating.Webhooks, SessionJobValidatingWebhook("operators", "flink-operator-webhook", 443, nil))
		env = &envtest.Environment{
			BinaryAssetsDirectory: assets,
			CRDDirectoryPaths: []string{filepath.Join(testenv.RepoRoot(), "charts", "flink-operator", "crds"),
				filepath.Join(testenv.RepoRoot(), "schemas", "crd", "flink.apache.org_flinksessionjobs.yaml")},
			ErrorIfCRDPathMissing: true,
			WebhookInstallOptions: envtest.WebhookInstallOptions{
				LocalServingHost:   "127.0.0.1",
				ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{validating},
				MutatingWebhooks:   []*admissionregistrationv1.MutatingWebhookConfiguration{SessionJobMutatingConfiguration(installedConfiguration, "operators", "flink-operator-webhook", 443, nil)},
			},
		}
		_, envErr = env.Start()
	})
	require.NoError(t, envErr)
	c, err := client.New(env.Config, client.Options{Scheme: testScheme(t)})
	require.NoError(t, err)
	return env, c
}

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(s))
	require.NoError(t, v1beta1.AddToScheme(s))
	return s
}

func newNamespace(t *testing.T, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "webhook-"}}
	require.NoError(t, c.Create(context.Background(), ns))
	return ns.Name
}
