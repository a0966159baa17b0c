package metrics

import (
	"slices"
	"testing"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// TestNamesAreRegistered: every name Names lists is served, and every
// flink_operator_ family the registry serves is listed.
func TestNamesAreRegistered(t *testing.T) {
	names := Names()
	for _, want := range []string{"flink_operator_build_info", "flink_operator_upgrade_holds_total", "flink_operator_flinkdeployments_stalled"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() lacks %s: %v", want, names)
		}
	}
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if len(f.GetName()) > len(namespace) && f.GetName()[:len(namespace)] == namespace && !slices.Contains(names, f.GetName()) {
			t.Errorf("%s is registered but not in Names()", f.GetName())
		}
	}
}
