package charts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlainTemplateWorksOffline runs helm template as CI and GitOps tools
// do, with no cluster and no --kube-version: Helm then assumes its
// built-in default version (v1.20.0 for a helm built from source), which
// must not trip the chart's minimum. A version that is known to be too
// old still fails, with a message that names it.
func TestPlainTemplateWorksOffline(t *testing.T) {
	out, err := helm(t, "template", "t", chartDir, "--namespace", releaseNS)
	if err != nil {
		t.Fatalf("plain helm template: %v", err)
	}
	objs, err := decodeAll(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ofKind(objs, "Deployment")) != 1 {
		t.Errorf("plain helm template rendered %d objects, no Deployment", len(objs))
	}
	for _, v := range []string{"1.27.0", "v1.30.2-eks-1234", kubeVersion} {
		if _, err := helm(t, "template", "t", chartDir, "--kube-version", v); err != nil {
			t.Errorf("--kube-version %s: %v", v, err)
		}
	}
	for _, v := range []string{"1.26.9", "1.24.0"} {
		_, err := helm(t, "template", "t", chartDir, "--kube-version", v)
		if err == nil || !strings.Contains(err.Error(), "needs Kubernetes 1.27 or later") {
			t.Errorf("--kube-version %s: %v; want the chart to refuse it, naming the minimum", v, err)
		}
	}
}

// TestSubchartValues: as a dependency the chart gets the parent's global
// values and, by convention, an enabled switch (condition:
// flink-operator.enabled); the strict values schema must accept both
// (helm/helm#10392).
func TestSubchartValues(t *testing.T) {
	if _, err := render(t, "t", nil, "global.imageRegistry=registry.example.com", "enabled=true"); err != nil {
		t.Errorf("global and enabled on the chart itself: %v", err)
	}

	parent := t.TempDir()
	if err := os.CopyFS(filepath.Join(parent, "charts", "flink-operator"), os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Chart.yaml": `apiVersion: v2
name: platform
version: 1.0.0
dependencies:
  - name: flink-operator
    version: "*"
    condition: flink-operator.enabled
`,
		"values.yaml": `global:
  imageRegistry: registry.example.com
  labels: {team: data}
flink-operator:
  enabled: true
  watchNamespaces: [team-a]
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(parent, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := helm(t, "template", "t", parent, "--namespace", releaseNS)
	if err != nil {
		t.Fatalf("the chart as a subchart: %v", err)
	}
	objs, err := decodeAll(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ofKind(objs, "Deployment")) != 1 {
		t.Errorf("as a subchart the chart rendered no Deployment (%d objects)", len(objs))
	}
	out, err = helm(t, "template", "t", parent, "--namespace", releaseNS, "--set", "flink-operator.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "kind: Deployment") {
		t.Error("flink-operator.enabled=false still renders the operator")
	}
}
