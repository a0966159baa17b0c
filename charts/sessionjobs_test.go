package charts

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
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

// TestSessionJobWebhooks: with sessionJobs.enabled and the webhook on, the
// ValidatingWebhookConfiguration gets a second webhook for FlinkSessionJobs
// and a MutatingWebhookConfiguration of the same name sets their
// target.session label, both served by the operator's webhook Service with
// the FlinkDeployment webhook's settings; the operator keeps both caBundles
// (a named rule and a flag), or cert-manager does. Without the webhook,
// or by default, none of it.
func TestSessionJobWebhooks(t *testing.T) {
	sessionJobs := filepath.Join(valuesFolder, "sessionjobs.yaml")
	const (
		service = "t-flink-operator-webhook"
		config  = releaseNS + "-t-flink-operator"
	)
	objs, err := render(t, "t", []string{sessionJobs}, "watchNamespaces={team-a}", "webhook.failurePolicy=Fail")
	if err != nil {
		t.Fatal(err)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	var mwc admissionregistrationv1.MutatingWebhookConfiguration
	decodeInto(t, findObject(objs, "ValidatingWebhookConfiguration", "", config), &vwc)
	decodeInto(t, findObject(objs, "MutatingWebhookConfiguration", "", config), &mwc)
	if len(vwc.Webhooks) != 2 || len(mwc.Webhooks) != 1 {
		t.Fatalf("%d validating and %d mutating webhooks, want 2 and 1", len(vwc.Webhooks), len(mwc.Webhooks))
	}
	fd, validate, mutate := vwc.Webhooks[0], vwc.Webhooks[1], mwc.Webhooks[0]
	for _, wh := range []struct {
		name, path string
		got        admissionregistrationv1.ValidatingWebhook
	}{
		{"validate.flinksessionjobs.flink.apache.org", "/validate-flink-apache-org-v1beta1-flinksessionjob", validate},
		{"mutate.flinksessionjobs.flink.apache.org", "/mutate-flink-apache-org-v1beta1-flinksessionjob", admissionregistrationv1.ValidatingWebhook{
			Name: mutate.Name, ClientConfig: mutate.ClientConfig, Rules: mutate.Rules, FailurePolicy: mutate.FailurePolicy, MatchPolicy: mutate.MatchPolicy,
			NamespaceSelector: mutate.NamespaceSelector, ObjectSelector: mutate.ObjectSelector, SideEffects: mutate.SideEffects,
			TimeoutSeconds: mutate.TimeoutSeconds, AdmissionReviewVersions: mutate.AdmissionReviewVersions,
		}},
	} {
		got := wh.got
		if got.Name != wh.name {
			t.Errorf("webhook %q, want %q", got.Name, wh.name)
		}
		if s := got.ClientConfig.Service; s == nil || s.Name != service || s.Namespace != releaseNS || s.Path == nil || *s.Path != wh.path || s.Port == nil || *s.Port != 443 {
			t.Errorf("%s calls %+v, want Service %s/%s port 443 path %s", wh.name, s, releaseNS, service, wh.path)
		}
		if len(got.Rules) != 1 || !slices.Equal(got.Rules[0].Resources, []string{"flinksessionjobs"}) ||
			!slices.Equal(got.Rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}) {
			t.Errorf("%s rules %+v, want CREATE and UPDATE of flinksessionjobs", wh.name, got.Rules)
		}
		// The FlinkDeployment webhook's settings: failure policy, timeout,
		// namespaces.
		if !reflect.DeepEqual(got.FailurePolicy, fd.FailurePolicy) || !reflect.DeepEqual(got.TimeoutSeconds, fd.TimeoutSeconds) ||
			!reflect.DeepEqual(got.NamespaceSelector, fd.NamespaceSelector) || !reflect.DeepEqual(got.SideEffects, fd.SideEffects) {
			t.Errorf("%s settings differ from the FlinkDeployment webhook's: %+v", wh.name, got)
		}
	}
	if mutate.ReinvocationPolicy == nil || *mutate.ReinvocationPolicy != admissionregistrationv1.NeverReinvocationPolicy {
		t.Errorf("reinvocationPolicy %v, want Never", mutate.ReinvocationPolicy)
	}
	roles := rolesOf(t, objs)
	want := []rbacv1.PolicyRule{
		{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"validatingwebhookconfigurations"}, ResourceNames: []string{config}, Verbs: []string{"get", "update"}},
		{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"mutatingwebhookconfigurations"}, ResourceNames: []string{config}, Verbs: []string{"get", "update"}},
	}
	if got := roles["ClusterRole/"+config+"-webhook"]; !equalRules(got, want) {
		t.Errorf("webhook ClusterRole = %+v, want %+v", got, want)
	}
	args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "--webhook-mutating-configuration="+config) {
		t.Errorf("no --webhook-mutating-configuration=%s in %q", config, args)
	}

	// cert-manager injects both CAs; the operator keeps neither.
	objs, err = render(t, "t", []string{sessionJobs}, "webhook.certManager.enabled=true")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"} {
		o := findObject(objs, kind, "", config)
		if o == nil || o.GetAnnotations()["cert-manager.io/inject-ca-from"] != releaseNS+"/t-flink-operator-webhook" {
			t.Errorf("%s lacks cert-manager's CA injection: %v", kind, o)
		}
	}
	if args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args; slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--webhook-mutating-configuration") }) {
		t.Errorf("with cert-manager the operator must not keep the caBundle: %q", args)
	}

	// Without the webhook: the CRD, rules and flag, no webhook.
	objs, err = render(t, "t", []string{sessionJobs}, "webhook.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	if len(ofKind(objs, "MutatingWebhookConfiguration"))+len(ofKind(objs, "ValidatingWebhookConfiguration")) != 0 {
		t.Error("webhook.enabled=false still renders webhook configurations")
	}
	if len(ofKind(objs, "CustomResourceDefinition")) != 1 {
		t.Error("webhook.enabled=false drops the FlinkSessionJob CRD")
	}

	// By default: one validating webhook, no mutating one.
	for _, f := range valuesFiles(t) {
		if filepath.Base(f) == "sessionjobs.yaml" {
			continue
		}
		objs := mustRender(t, "t", f)
		if len(ofKind(objs, "MutatingWebhookConfiguration")) != 0 {
			t.Errorf("%s: a MutatingWebhookConfiguration without sessionJobs.enabled", filepath.Base(f))
		}
		for _, o := range ofKind(objs, "ValidatingWebhookConfiguration") {
			if webhooks, _ := o.Object["webhooks"].([]any); len(webhooks) != 1 {
				t.Errorf("%s: %d validating webhooks without sessionJobs.enabled, want 1", filepath.Base(f), len(webhooks))
			}
		}
	}
}

func decodeInto(t *testing.T, o *unstructured.Unstructured, into any) {
	t.Helper()
	if o == nil {
		t.Fatalf("not rendered: %T", into)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		t.Fatal(err)
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

// TestSessionJobsOfAShard: sessionJobs.enabled with labelSelector, as one
// release of a sharded fleet. The operator gets both flags (it runs the
// session jobs whose session its selector matches), and the session-job
// webhooks ignore webhook.objectSelector, which selects the shard's
// FlinkDeployments: session jobs carry no shard label, and a webhook
// filtered by one would never see them.
func TestSessionJobsOfAShard(t *testing.T) {
	objs, err := render(t, "t", []string{filepath.Join(valuesFolder, "sessionjobs.yaml")},
		"labelSelector=shard=a", "webhook.objectSelector.matchLabels.shard=a")
	if err != nil {
		t.Fatal(err)
	}
	args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args
	for _, want := range []string{"--label-selector=shard=a", "--session-jobs"} {
		if !slices.Contains(args, want) {
			t.Errorf("operator args %q lack %s", args, want)
		}
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	var mwc admissionregistrationv1.MutatingWebhookConfiguration
	const config = releaseNS + "-t-flink-operator"
	decodeInto(t, findObject(objs, "ValidatingWebhookConfiguration", "", config), &vwc)
	decodeInto(t, findObject(objs, "MutatingWebhookConfiguration", "", config), &mwc)
	if len(vwc.Webhooks) != 2 || len(mwc.Webhooks) != 1 {
		t.Fatalf("%d validating and %d mutating webhooks, want 2 and 1", len(vwc.Webhooks), len(mwc.Webhooks))
	}
	if s := vwc.Webhooks[0].ObjectSelector; s == nil || s.MatchLabels["shard"] != "a" {
		t.Errorf("the FlinkDeployment webhook's objectSelector %v, want the shard's", s)
	}
	if s := vwc.Webhooks[1].ObjectSelector; s != nil && (len(s.MatchLabels) > 0 || len(s.MatchExpressions) > 0) {
		t.Errorf("the FlinkSessionJob validating webhook selects %v: unlabelled session jobs would go unchecked", s)
	}
	if s := mwc.Webhooks[0].ObjectSelector; s != nil && (len(s.MatchLabels) > 0 || len(s.MatchExpressions) > 0) {
		t.Errorf("the FlinkSessionJob labelling webhook selects %v: unlabelled session jobs would go unlabelled", s)
	}
}
