package charts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRBACMatrixIsDocumented checks that docs/rbac.md lists every rule the
// chart grants, with the same verbs, so the documented matrix cannot drift
// from the chart.
func TestRBACMatrixIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "rbac.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			continue
		}
		var clean []string
		for _, c := range cells[1 : len(cells)-1] {
			clean = append(clean, strings.Trim(strings.TrimSpace(c), "`"))
		}
		group, resource, verbs := clean[0], clean[1], clean[len(clean)-2]
		rows[group+"|"+resource+"|"+verbs] = true
	}
	for _, f := range []string{"default.yaml", "namespaced-webhook.yaml", "sessionjobs.yaml"} {
		for name, rules := range rolesOf(t, mustRender(t, "t", filepath.Join(valuesFolder, f))) {
			for _, r := range rules {
				for _, g := range r.APIGroups {
					if g == "" {
						g = `""`
					}
					for _, res := range r.Resources {
						key := g + "|" + res + "|" + strings.Join(r.Verbs, ", ")
						if !rows[key] {
							t.Errorf("%s: rule %s %s [%s] is not in docs/rbac.md", name, g, res, strings.Join(r.Verbs, ", "))
						}
					}
				}
			}
		}
	}
}
