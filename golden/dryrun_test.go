package golden

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/reconciler"
)

// TestGoldenObjectsAreAcceptedByAPIServer server-side dry-run applies every
// object of every golden file to a real kube-apiserver, so nothing the
// renderer prints is rejected by Kubernetes' own validation.
func TestGoldenObjectsAreAcceptedByAPIServer(t *testing.T) {
	env, err := testenv.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	scheme, err := reconciler.NewScheme()
	require.NoError(t, err)
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)
	ctx := context.Background()

	files, err := filepath.Glob("*/expected.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	namespaces := map[string]bool{}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var obj map[string]any
			err := dec.Decode(&obj)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, file)
			u := &unstructured.Unstructured{Object: obj}
			if ns := u.GetNamespace(); !namespaces[ns] {
				err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					t.Fatal(err)
				}
				namespaces[ns] = true
			}
			err = k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(reconciler.FieldManager), client.ForceOwnership, client.DryRunAll)
			require.NoError(t, err, "%s: %s/%s rejected", file, u.GetKind(), u.GetName())
			checked++
		}
	}
	t.Logf("%d objects from %d golden files accepted", checked, len(files))
	require.Greater(t, checked, 50)
}
