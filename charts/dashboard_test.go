package charts

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/metrics"
)

// TestDashboardAndAlertsQueryExportedMetrics renders the optional Grafana
// dashboard and PrometheusRule and checks that every metric their queries
// name is one the operator serves: its own (metrics.Names) or a standard
// controller-runtime one (metrics.StandardNames). A renamed metric would
// otherwise leave an empty panel or an alert that can never fire.
func TestDashboardAndAlertsQueryExportedMetrics(t *testing.T) {
	objs, err := render(t, "t", nil, "grafanaDashboard.enabled=true", "prometheusRule.enabled=true")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, n := range append(metrics.Names(), metrics.StandardNames...) {
		known[n] = true
	}
	check := func(where, expr string) {
		t.Helper()
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("%s: no metric found in %q", where, expr)
		}
		for _, n := range names {
			if !known[n] && !known[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")] {
				t.Errorf("%s: %q queries %s, which the operator does not export", where, expr, n)
			}
		}
	}

	cms := ofKind(objs, "ConfigMap")
	var dashboard map[string]any
	for _, cm := range cms {
		if cm.GetLabels()["grafana_dashboard"] != "1" {
			continue
		}
		raw, _, _ := unstructured.NestedString(cm.Object, "data", "flink-operator.json")
		if err := json.Unmarshal([]byte(raw), &dashboard); err != nil {
			t.Fatalf("dashboard ConfigMap %s: not JSON: %v", cm.GetName(), err)
		}
	}
	if dashboard == nil {
		t.Fatal("no ConfigMap with the grafana_dashboard label")
	}
	queries := 0
	panels, _ := dashboard["panels"].([]any)
	for _, p := range panels {
		panel := p.(map[string]any)
		targets, _ := panel["targets"].([]any)
		for _, tg := range targets {
			check("dashboard panel "+panel["title"].(string), tg.(map[string]any)["expr"].(string))
			queries++
		}
	}
	vars, _, _ := unstructured.NestedSlice(dashboard, "templating", "list")
	for _, v := range vars {
		if q, ok := v.(map[string]any)["query"].(string); ok && strings.HasPrefix(q, "label_values(") {
			check("dashboard variable", q)
		}
	}
	if queries < 10 {
		t.Errorf("the dashboard has %d queries; expected its panels", queries)
	}

	rules := ofKind(objs, "PrometheusRule")
	if len(rules) != 1 {
		t.Fatalf("want one PrometheusRule, got %d", len(rules))
	}
	groups, _, _ := unstructured.NestedSlice(rules[0].Object, "spec", "groups")
	var alerts []string
	for _, g := range groups {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			alerts = append(alerts, rule["alert"].(string))
			check("alert "+rule["alert"].(string), rule["expr"].(string))
		}
	}
	for _, want := range []string{"FlinkUpgradeHeld", "FlinkSavepointsFailing", "FlinkJobManagerMissing", "FlinkJobFailing"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("alert %s missing; the rule has %v", want, alerts)
		}
	}

	// Both are off by default: they need Grafana's sidecar and the
	// Prometheus Operator's CRD.
	def := mustRender(t, "t")
	if n := len(ofKind(def, "PrometheusRule")); n != 0 {
		t.Errorf("default install renders %d PrometheusRules", n)
	}
	for _, cm := range ofKind(def, "ConfigMap") {
		if cm.GetLabels()["grafana_dashboard"] != "" {
			t.Errorf("default install renders the dashboard ConfigMap %s", cm.GetName())
		}
	}
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (namespace, reason) (flink_operator_flinkdeployments_stalled{reason=~"UpgradeHeld|x"}) > 0`: {"flink_operator_flinkdeployments_stalled"},
		`histogram_quantile(0.95, sum by (le) (rate(a_seconds_bucket{x="y"}[$__rate_interval])))`:           {"a_seconds_bucket"},
		`(sum by (namespace) (a{s=~"M"}) - sum without (pod) (b)) > 0 or c offset 5m`:                       {"a", "b", "c"},
		`label_values(flink_operator_build_info, version)`:                                                  {"flink_operator_build_info"},
		`count by (version) (m) and on (namespace) group_left (x) n unless bool k`:                          {"m", "n", "k"},
		`sum(rate(errors_total{controller="by (x)"}[5m])) / 1e3`:                                            {"errors_total"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %v, want %v", expr, got, want)
		}
	}
}
