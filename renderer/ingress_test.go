package renderer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func withIngress(ingress string) string {
	return spec("v2_2", "  ingress:\n"+ingress)
}

func TestIngressHostForm(t *testing.T) {
	res, err := Render(decodeOne(t, withIngress(`    template: "{{Name}}.{{NAMESPACE}}.flink.example.com"
    className: nginx
    annotations: {cert-manager.io/cluster-issuer: letsencrypt, example.com/free-form: "any value"}
    labels: {team: data, component: not-allowed, app: not-allowed-either}
    tls: [{hosts: ["my-job.team-a.flink.example.com"], secretName: my-job-tls}]
`)), RenderContext{})
	require.NoError(t, err)
	last := res.Objects[len(res.Objects)-1]
	assert.Equal(t, "Ingress", last.GetKind(), "the Ingress is applied last")
	ing := find(t, res.Objects, "Ingress", "my-job")
	assert.Equal(t, "networking.k8s.io/v1", ing.GetAPIVersion())
	assert.Equal(t, "team-a", ing.GetNamespace())
	assert.Equal(t, map[string]string{
		"app": "my-job", "component": "ingress", "app.kubernetes.io/managed-by": "flink-operator", "team": "data",
	}, ing.GetLabels(), "user labels are kept; the operator's win")
	assert.Equal(t, map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt", "example.com/free-form": "any value"}, ing.GetAnnotations())

	spec, _, _ := unstructured.NestedMap(ing.Object, "spec")
	assert.Equal(t, map[string]any{
		"ingressClassName": "nginx",
		"rules": []any{map[string]any{
			"host": "my-job.team-a.flink.example.com",
			"http": map[string]any{"paths": []any{map[string]any{
				"pathType": "ImplementationSpecific",
				"backend": map[string]any{"service": map[string]any{
					"name": "my-job-rest", "port": map[string]any{"number": int64(8081)},
				}},
			}}},
		}},
		"tls": []any{map[string]any{"hosts": []any{"my-job.team-a.flink.example.com"}, "secretName": "my-job-tls"}},
	}, spec)
}

func TestIngressPathForm(t *testing.T) {
	for template, rule := range map[string]map[string]any{
		"/{{namespace}}/{{name}}(/|$)(.*)":                {"path": "/team-a/my-job(/|$)(.*)"},
		"flink.example.com/{{namespace}}/{{name}}":        {"host": "flink.example.com", "path": "/team-a/my-job"},
		"https://flink.example.com/{{name}}?ignored#frag": {"host": "flink.example.com", "path": "/my-job"},
		"HTTP://flink.example.com:8443/":                  {"host": "flink.example.com", "path": "/"},
	} {
		t.Run(template, func(t *testing.T) {
			res, err := Render(decodeOne(t, withIngress("    template: \""+template+"\"\n")), RenderContext{})
			require.NoError(t, err)
			ing := find(t, res.Objects, "Ingress", "my-job")
			rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
			require.Len(t, rules, 1)
			got := rules[0].(map[string]any)
			paths, _, _ := unstructured.NestedSlice(got, "http", "paths")
			require.Len(t, paths, 1)
			assert.Equal(t, rule["host"], got["host"])
			assert.Equal(t, rule["path"], paths[0].(map[string]any)["path"])
			assert.Empty(t, ing.GetAnnotations())
			assert.NotContains(t, ing.Object["spec"], "tls")
			assert.NotContains(t, ing.Object["spec"], "ingressClassName")
		})
	}
}

func TestIngressInStandaloneMode(t *testing.T) {
	res, err := Render(decodeOne(t, standaloneSpec("v1_20", "", standaloneJob, "  ingress: {template: \"/{{name}}\"}")), RenderContext{})
	require.NoError(t, err)
	ing := find(t, res.Objects, "Ingress", "sa")
	rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
	require.Len(t, rules, 1)
	paths, _, _ := unstructured.NestedSlice(rules[0].(map[string]any), "http", "paths")
	require.Len(t, paths, 1)
	service, _, _ := unstructured.NestedString(paths[0].(map[string]any), "backend", "service", "name")
	assert.Equal(t, "sa-rest", service)
	assert.Equal(t, "/sa", paths[0].(map[string]any)["path"])
}

func TestIngressGoesWithSuspendedJob(t *testing.T) {
	res, err := Render(decodeOne(t, withIngress("    template: \"{{name}}.example.com\"\n")), RenderContext{DesiredState: v1beta1.JobStateSuspended})
	require.NoError(t, err)
	assert.Empty(t, res.Objects)
}

func TestIngressErrors(t *testing.T) {
	cases := map[string]struct{ ingress, field, detail string }{
		"missing template": {"    className: nginx\n", "spec.ingress.template", "Required value"},
		"blank template":   {"    template: \"  \"\n", "spec.ingress.template", "Required value"},
		"unknown placeholder": {"    template: \"{{job}}.example.com\"\n", "spec.ingress.template",
			`unable to process the Ingress template: invalid character "{" in host name`},
		"upper-case host": {"    template: \"Flink.Example.com/{{name}}\"\n", "spec.ingress.template", `the Ingress host "Flink.Example.com" must be a DNS name`},
		"ip host":         {"    template: \"10.0.0.1/{{name}}\"\n", "spec.ingress.template", "not an IP address"},
		"bad label":       {"    template: \"/{{name}}\"\n    labels: {\"bad key!\": x}\n", "spec.ingress.labels", "name part must consist of"},
		"bad annotation":  {"    template: \"/{{name}}\"\n    annotations: {\"/x\": y}\n", "spec.ingress.annotations", ""},
		"bad class":       {"    template: \"/{{name}}\"\n    className: Nginx_Class\n", "spec.ingress.className", "RFC 1123"},
		"bad tls host":    {"    template: \"/{{name}}\"\n    tls: [{hosts: [\"a b\"]}]\n", "spec.ingress.tls[0].hosts[0]", "must be a DNS name"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Render(decodeOne(t, withIngress(c.ingress)), RenderContext{})
			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
			require.Len(t, invalid.Errors, 1, "%v", invalid.Errors)
			assert.True(t, strings.HasPrefix(invalid.Errors[0].Field, c.field), invalid.Errors[0].Field)
			assert.Contains(t, invalid.Errors[0].Error(), c.detail)
		})
	}
}
