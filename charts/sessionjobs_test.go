package charts

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const sessionJobCRD = "flinksessionjobs.flink.apache.org"

// sessionJobRules are the operator's rules on FlinkSessionJobs: what the
// controller (reconciler/sessionjob) does, and no more. It reads through
// the cache and the API server, and writes only with patches: the
// finalizer and status. Its events are the FlinkDeployment controller's
// kind (events.k8s.io), granted anyway. testOperatorWithChartRBAC runs the
// controller with these rules and fails on any denial.
var sessionJobRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"flink.apache.org"}, Resources: []string{"flinksessionjobs"}, Verbs: []string{"get", "list", "watch", "patch"}},
	{APIGroups: []string{"flink.apache.org"}, Resources: []string{"flinksessionjobs/status"}, Verbs: []string{"patch"}},
}

// TestSessionJobsOptIn: sessionJobs.enabled installs the FlinkSessionJob
// CRD (the generated one, kept when the release goes), grants the operator
// the session-job rules wherever it has its FlinkDeployment rules, and
// passes --session-jobs. Off, the default, none of it is rendered.
func TestSessionJobsOptIn(t *testing.T) {
	generated := readGeneratedSessionJobCRD(t)
	for _, tc := range []struct {
		name  string
		set   []string
		roles []string
	}{
		{"every namespace", nil, []string{"ClusterRole/" + releaseNS + "-t-flink-operator"}},
		{"watched namespaces", []string{"watchNamespaces={team-a,team-b}"}, []string{"Role/team-a/t-flink-operator", "Role/team-b/t-flink-operator"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := render(t, "t", []string{filepath.Join(valuesFolder, "sessionjobs.yaml")}, tc.set...)
			if err != nil {
				t.Fatal(err)
			}
			crds := ofKind(objs, "CustomResourceDefinition")
			if len(crds) != 1 || crds[0].GetName() != sessionJobCRD {
				t.Fatalf("want the CRD %s, rendered %d CRDs", sessionJobCRD, len(crds))
			}
			crd := crds[0]
			if got := crd.GetAnnotations()["helm.sh/resource-policy"]; got != "keep" {
				t.Errorf("CRD annotation helm.sh/resource-policy = %q, want keep: uninstalling the release would delete every FlinkSessionJob", got)
			}
			if crd.GetLabels()["app.kubernetes.io/instance"] != "t" {
				t.Errorf("CRD labels %v lack the release's", crd.GetLabels())
			}
			// Apart from the chart's label and annotation, the generated CRD.
			stripped := crd.DeepCopy()
			stripped.SetLabels(nil)
			annotations := stripped.GetAnnotations()
			delete(annotations, "helm.sh/resource-policy")
			stripped.SetAnnotations(annotations)
			if !reflect.DeepEqual(stripped.Object, generated.Object) {
				t.Errorf("the chart's FlinkSessionJob CRD differs from schemas/crd/flink.apache.org_flinksessionjobs.yaml (run make generate)")
			}

			roles := rolesOf(t, objs)
			for _, role := range tc.roles {
				rules, ok := roles[role]
				if !ok {
					t.Errorf("no operator role %s; roles: %v", role, keys(roles))
					continue
				}
				if got := sessionJobRulesOf(rules); !equalRules(got, sessionJobRules) {
					t.Errorf("%s grants on FlinkSessionJobs %+v, want %+v", role, got, sessionJobRules)
				}
				if !slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool {
					return slices.Equal(r.APIGroups, []string{"events.k8s.io"}) && slices.Contains(r.Resources, "events") && slices.Contains(r.Verbs, "create")
				}) {
					t.Errorf("%s cannot create events.k8s.io events on session jobs", role)
				}
			}
			for name, rules := range roles {
				if !slices.Contains(tc.roles, name) && len(sessionJobRulesOf(rules)) > 0 {
					t.Errorf("%s, not an operator role, grants on FlinkSessionJobs: %+v", name, rules)
				}
			}
			checkBindings(t, objs, roles)

			if args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--session-jobs") {
				t.Errorf("no --session-jobs in %q", args)
			}
		})
	}

	for _, f := range valuesFiles(t) {
		if filepath.Base(f) == "sessionjobs.yaml" {
			continue
		}
		objs := mustRender(t, "t", f)
		for _, o := range objs {
			if o.GetKind() == "CustomResourceDefinition" {
				t.Errorf("%s: sessionJobs.enabled is false but %s is rendered", filepath.Base(f), id(o))
			}
		}
		for name, rules := range rolesOf(t, objs) {
			if got := sessionJobRulesOf(rules); len(got) > 0 {
				t.Errorf("%s: sessionJobs.enabled is false but %s grants %+v", filepath.Base(f), name, got)
			}
		}
		if args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args; slices.Contains(args, "--session-jobs") {
			t.Errorf("%s: sessionJobs.enabled is false but the operator gets --session-jobs", filepath.Base(f))
		}
	}
}

func sessionJobRulesOf(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		if slices.ContainsFunc(r.Resources, func(res string) bool { return strings.HasPrefix(res, "flinksessionjobs") }) {
			out = append(out, r)
		}
	}
	return out
}

func readGeneratedSessionJobCRD(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "schemas", "crd", "flink.apache.org_flinksessionjobs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: obj}
}
