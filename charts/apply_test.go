package charts

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestRenderedObjectsApplyToAPIServer server-side dry-run applies every
// object the chart renders, with every values file, to a real API server:
// schemas, defaults and validation (RBAC escalation checks included) are
// the API server's own.
func TestRenderedObjectsApplyToAPIServer(t *testing.T) {
	_, k8s := apiServer(t)
	ctx := context.Background()
	for _, f := range valuesFiles(t) {
		release := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(release, func(t *testing.T) {
			objs := mustRender(t, release, f)
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.GetKind()]++
				err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
					client.FieldOwner("chart-test"), client.ForceOwnership, client.DryRunAll)
				if err != nil {
					t.Errorf("dry-run apply %s: %v", id(o), err)
				}
			}
			t.Logf("%d objects: %v", len(objs), kinds)
		})
	}
}
