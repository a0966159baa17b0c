package charts

import (
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestServiceMonitor checks the scrape endpoint: honorLabels keeps the
// namespace label of the per-namespace gauges (otherwise Prometheus renames
// it exported_namespace and the documented queries match nothing), and
// relabelings and metricRelabelings pass through.
func TestServiceMonitor(t *testing.T) {
	endpoint := func(t *testing.T, objs []*unstructured.Unstructured) map[string]any {
		t.Helper()
		sms := ofKind(objs, "ServiceMonitor")
		if len(sms) != 1 {
			t.Fatalf("want one ServiceMonitor, got %d", len(sms))
		}
		eps, _, _ := unstructured.NestedSlice(sms[0].Object, "spec", "endpoints")
		if len(eps) != 1 {
			t.Fatalf("want one endpoint, got %v", eps)
		}
		return eps[0].(map[string]any)
	}

	ep := endpoint(t, mustRender(t, "t", filepath.Join(valuesFolder, "certmanager-monitoring.yaml")))
	if ep["honorLabels"] != true {
		t.Errorf("honorLabels %v, want true", ep["honorLabels"])
	}
	if r, _ := ep["relabelings"].([]any); len(r) != 1 || r[0].(map[string]any)["targetLabel"] != "cluster" {
		t.Errorf("relabelings %v, want the values file's one", ep["relabelings"])
	}
	if r, _ := ep["metricRelabelings"].([]any); len(r) != 1 || r[0].(map[string]any)["action"] != "drop" {
		t.Errorf("metricRelabelings %v, want the values file's one", ep["metricRelabelings"])
	}

	objs, err := render(t, "t", nil, "metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.honorLabels=false")
	if err != nil {
		t.Fatal(err)
	}
	ep = endpoint(t, objs)
	if ep["honorLabels"] != false {
		t.Errorf("honorLabels=false: got %v", ep["honorLabels"])
	}
	if _, ok := ep["relabelings"]; ok {
		t.Errorf("relabelings rendered without values: %v", ep["relabelings"])
	}
}
