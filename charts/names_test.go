package charts

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestNameOverrides: nameOverride replaces the chart's name in object names
// and the app.kubernetes.io/name label, fullnameOverride names objects
// outright; the selectors follow, so Services and the PDB still find the
// pods.
func TestNameOverrides(t *testing.T) {
	for _, tc := range []struct {
		set            []string
		name, appLabel string
	}{
		{nil, "t-flink-operator", "flink-operator"},
		{[]string{"nameOverride=flink"}, "t-flink", "flink"},
		{[]string{"fullnameOverride=stream-ops"}, "stream-ops", "flink-operator"},
		{[]string{"nameOverride=flink", "fullnameOverride=stream-ops"}, "stream-ops", "flink"},
	} {
		objs, err := render(t, "t", nil, append(tc.set, "replicas=2", "metrics.serviceMonitor.enabled=true")...)
		if err != nil {
			t.Fatalf("--set %v: %v", tc.set, err)
		}
		dep := deploymentOf(t, objs)
		if dep.Name != tc.name {
			t.Errorf("--set %v: Deployment %q, want %q", tc.set, dep.Name, tc.name)
		}
		if got := dep.Labels["app.kubernetes.io/name"]; got != tc.appLabel {
			t.Errorf("--set %v: app.kubernetes.io/name %q, want %q", tc.set, got, tc.appLabel)
		}
		if want := "--leader-election-id=" + tc.name; !slices.Contains(dep.Spec.Template.Spec.Containers[0].Args, want) {
			t.Errorf("--set %v: no flag %s", tc.set, want)
		}
		pods := dep.Spec.Template.Labels
		for _, o := range objs {
			if o.GetNamespace() == releaseNS && !strings.HasPrefix(o.GetName(), tc.name) && o.GetKind() != "ServiceAccount" {
				t.Errorf("--set %v: %s is not named after %q", tc.set, id(o), tc.name)
			}
			if o.GetKind() != "Service" && o.GetKind() != "PodDisruptionBudget" {
				continue
			}
			sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector")
			if o.GetKind() == "PodDisruptionBudget" {
				sel, _, _ = unstructured.NestedStringMap(o.Object, "spec", "selector", "matchLabels")
			}
			for k, v := range sel {
				if pods[k] != v {
					t.Errorf("--set %v: %s selects %s=%s, which the operator pods (%v) do not carry", tc.set, id(o), k, v, pods)
				}
			}
		}
	}
}
