package charts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/reconciler"
)

// One API server serves every test of the package that needs one; it is
// started by the first of them.
var (
	envOnce sync.Once
	env     *testenv.Env
	envErr  error
)

// binDir holds binaries the tests build.
var binDir string

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "flink-operator-chart-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(binDir)
	if env != nil {
		_ = env.Stop()
	}
	if helmBin != "" && os.Getenv("HELM") == "" {
		_ = os.RemoveAll(filepath.Dir(helmBin))
	}
	os.Exit(code)
}

// apiServer returns a client of the shared API server, which has the
// FlinkDeployment CRD, stand-ins for the ServiceMonitor and cert-manager
// CRDs, and the namespaces the values files name.
func apiServer(t *testing.T) (*rest.Config, client.Client) {
	t.Helper()
	envOnce.Do(func() {
		if env, envErr = testenv.Start(); envErr != nil {
			return
		}
		if _, envErr = envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{Paths: []string{"testdata/crds"}, ErrorIfPathMissing: true}); envErr != nil {
			envErr = fmt.Errorf("install the stand-in CRDs: %w", envErr)
			return
		}
		var k8s client.Client
		if k8s, envErr = newClient(env.Config); envErr != nil {
			return
		}
		for _, ns := range []string{releaseNS, "team-a", "team-b"} {
			if envErr = k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); envErr != nil {
				return
			}
		}
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	k8s, err := newClient(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	return env.Config, k8s
}

func newClient(cfg *rest.Config) (client.Client, error) {
	scheme, err := reconciler.NewScheme()
	if err != nil {
		return nil, err
	}
	// The chart's objects include kinds the operator never reads (RBAC,
	// the FlinkSessionJob CRD).
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme})
}
