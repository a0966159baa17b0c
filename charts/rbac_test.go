package charts

import (
	"path/filepath"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestRBACIsLeastPrivilege checks the roles of every values file: no
// wildcard anywhere, no Secret readable beyond one named object, no
// cluster-wide rule on workloads unless every namespace is watched, and
// each binding gives its role to the right service account.
func TestRBACIsLeastPrivilege(t *testing.T) {
	for _, f := range valuesFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs := mustRender(t, "t", f)
			values := readValues(t, f)
			roles := rolesOf(t, objs)
			if len(roles) == 0 {
				t.Fatal("no roles rendered")
			}
			for name, rules := range roles {
				for _, r := range rules {
					for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames} {
						if slices.Contains(list, "*") {
							t.Errorf("%s grants a wildcard: %+v", name, r)
						}
					}
					if slices.Contains(r.Resources, "secrets") {
						if len(r.ResourceNames) != 1 || slices.ContainsFunc(r.Verbs, func(v string) bool { return v != "get" && v != "update" }) {
							t.Errorf("%s grants more than get/update of one named Secret: %+v", name, r)
						}
					}
					if len(r.NonResourceURLs) > 0 {
						t.Errorf("%s grants non-resource URLs: %+v", name, r)
					}
				}
			}

			clusterRoles := ofKind(objs, "ClusterRole")
			if len(values.WatchNamespaces) > 0 {
				// Only single named cluster-scoped objects may be granted cluster-wide.
				for _, cr := range clusterRoles {
					for _, r := range roles[id(cr)] {
						// The webhook's configurations, and the FlinkDeployment CRD the
						// operator checks at start-up: one named object each.
						named := slices.Equal(r.Resources, []string{"validatingwebhookconfigurations"}) ||
							slices.Equal(r.Resources, []string{"mutatingwebhookconfigurations"}) ||
							slices.Equal(r.Resources, []string{"customresourcedefinitions"}) && slices.Equal(r.Verbs, []string{"get"})
						if !named || len(r.ResourceNames) != 1 {
							t.Errorf("%s is cluster-wide although watchNamespaces is set: %+v", id(cr), r)
						}
					}
				}
				for _, ns := range values.WatchNamespaces {
					if _, ok := roles["Role/"+ns+"/t-flink-operator"]; !ok {
						t.Errorf("no operator Role in watched namespace %s", ns)
					}
				}
			} else if _, ok := roles["ClusterRole/"+releaseNS+"-t-flink-operator"]; !ok {
				t.Errorf("watching every namespace but no operator ClusterRole; roles: %v", keys(roles))
			}

			checkBindings(t, objs, roles)
		})
	}
}

// TestJobRoleGrantsWhatNativeJobManagersNeed pins the flink service
// account's rules to what native-mode JobManagers and TaskManagers use,
// in each watched namespace, and nothing more.
func TestJobRoleGrantsWhatNativeJobManagersNeed(t *testing.T) {
	want := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "create", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments/finalizers"}, Verbs: []string{"update"}},
	}
	for file, namespaces := range map[string][]string{
		"default.yaml":            {releaseNS},
		"namespaced-webhook.yaml": {"team-a", "team-b"},
	} {
		objs := mustRender(t, "t", filepath.Join(valuesFolder, file))
		roles := rolesOf(t, objs)
		for _, ns := range namespaces {
			got, ok := roles["Role/"+ns+"/t-flink-operator-job"]
			if !ok {
				t.Errorf("%s: no flink job Role in %s", file, ns)
				continue
			}
			if !equalRules(got, want) {
				t.Errorf("%s: job Role in %s = %+v, want %+v", file, ns, got, want)
			}
			sa := findObject(objs, "ServiceAccount", ns, "flink")
			if sa == nil {
				t.Errorf("%s: no flink ServiceAccount in %s", file, ns)
			}
		}
	}
	objs := mustRender(t, "t", filepath.Join(valuesFolder, "sharded.yaml"))
	if len(ofKind(objs, "ServiceAccount")) != 1 {
		t.Errorf("jobServiceAccount.create=false still renders a job service account")
	}
}

// checkBindings verifies that every binding refers to a rendered role and
// binds the operator's service account, or the job role to the job's.
func checkBindings(t *testing.T, objs []*unstructured.Unstructured, roles map[string][]rbacv1.PolicyRule) {
	t.Helper()
	for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
		for _, b := range ofKind(objs, kind) {
			var rb rbacv1.RoleBinding
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(b.Object, &rb); err != nil {
				t.Fatal(err)
			}
			roleID := rb.RoleRef.Kind + "/" + rb.RoleRef.Name
			if rb.RoleRef.Kind == "Role" {
				roleID = "Role/" + b.GetNamespace() + "/" + rb.RoleRef.Name
			}
			if _, ok := roles[roleID]; !ok {
				t.Errorf("%s refers to %s, which the chart does not render", id(b), roleID)
			}
			if len(rb.Subjects) != 1 || rb.Subjects[0].Kind != "ServiceAccount" {
				t.Errorf("%s binds %+v; want exactly one service account", id(b), rb.Subjects)
				continue
			}
			sa := findObject(objs, "ServiceAccount", rb.Subjects[0].Namespace, rb.Subjects[0].Name)
			if sa == nil && rb.Subjects[0].Name != "flink-operator" { // customized.yaml names an existing one
				t.Errorf("%s binds ServiceAccount %s/%s, which the chart does not render", id(b), rb.Subjects[0].Namespace, rb.Subjects[0].Name)
			}
		}
	}
}

func rolesOf(t *testing.T, objs []*unstructured.Unstructured) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, o := range objs {
		if o.GetKind() != "Role" && o.GetKind() != "ClusterRole" {
			continue
		}
		var role rbacv1.ClusterRole
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &role); err != nil {
			t.Fatalf("decode %s: %v", id(o), err)
		}
		out[id(o)] = role.Rules
	}
	return out
}

func equalRules(a, b []rbacv1.PolicyRule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].APIGroups, b[i].APIGroups) || !slices.Equal(a[i].Resources, b[i].Resources) ||
			!slices.Equal(a[i].Verbs, b[i].Verbs) || !slices.Equal(a[i].ResourceNames, b[i].ResourceNames) {
			return false
		}
	}
	return true
}

func findObject(objs []*unstructured.Unstructured, kind, ns, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetNamespace() == ns && o.GetName() == name {
			return o
		}
	}
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
