package charts

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestGitOpsIgnoreRulesMatchTheChart reads the Argo CD and Flux examples
// of docs/argocd.md and checks them against the default render: the
// ignored group, kind and path must name the webhook configuration the
// chart installs, or users would copy a rule that ignores nothing and
// see the operator's caBundle as drift.
func TestGitOpsIgnoreRulesMatchTheChart(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "argocd.md"))
	if err != nil {
		t.Fatal(err)
	}
	vwcs := ofKind(mustRender(t, "t"), "ValidatingWebhookConfiguration")
	if len(vwcs) != 1 {
		t.Fatalf("the default render has %d ValidatingWebhookConfigurations, want 1", len(vwcs))
	}
	vwc := vwcs[0]
	group := strings.Split(vwc.GetAPIVersion(), "/")[0]
	webhooks, _ := vwc.Object["webhooks"].([]any)

	var argo, flux bool
	for _, block := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		var obj struct {
			Kind string `json:"kind"`
			Spec struct {
				IgnoreDifferences []struct {
					Group, Kind       string
					JQPathExpressions []string `json:"jqPathExpressions"`
				} `json:"ignoreDifferences"`
				DriftDetection struct {
					Ignore []struct {
						Paths  []string `json:"paths"`
						Target struct{ Kind string }
					} `json:"ignore"`
				} `json:"driftDetection"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(block[1]), &obj); err != nil {
			t.Errorf("docs/argocd.md: a YAML example does not parse: %v\n%s", err, block[1])
			continue
		}
		for _, r := range obj.Spec.IgnoreDifferences {
			argo = argo || r.Group == group && r.Kind == vwc.GetKind() && slices.Contains(r.JQPathExpressions, ".webhooks[]?.clientConfig.caBundle")
		}
		for _, r := range obj.Spec.DriftDetection.Ignore {
			// A JSON pointer names one list index: right only while the
			// chart renders a single webhook.
			flux = flux || r.Target.Kind == vwc.GetKind() && len(webhooks) == 1 && slices.Contains(r.Paths, "/webhooks/0/clientConfig/caBundle")
		}
	}
	if !argo {
		t.Errorf("docs/argocd.md has no Application ignoring %s %s .webhooks[]?.clientConfig.caBundle", group, vwc.GetKind())
	}
	if !flux {
		t.Errorf("docs/argocd.md has no HelmRelease ignoring /webhooks/0/clientConfig/caBundle of the chart's single webhook (it renders %d)", len(webhooks))
	}
}
