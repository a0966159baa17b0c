package charts

import (
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestDefaultInstallValidates checks that the chart's defaults install the
// validating webhook in self-signed mode: the webhook configuration with a
// deliberate failurePolicy, the Service it calls, the empty Secret and the
// two named-object rules the operator needs to fill them in, and the
// operator flags that serve it. No cert-manager object is needed. With the
// webhook switched off none of it is rendered.
func TestDefaultInstallValidates(t *testing.T) {
	objs, err := render(t, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	const (
		service    = "t-flink-operator-webhook"
		secretName = "t-flink-operator-webhook-cert"
		vwcName    = releaseNS + "-t-flink-operator"
	)

	vwcObj := findObject(objs, "ValidatingWebhookConfiguration", "", vwcName)
	if vwcObj == nil {
		t.Fatalf("no ValidatingWebhookConfiguration %s in the default render", vwcName)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(vwcObj.Object, &vwc); err != nil {
		t.Fatal(err)
	}
	if len(vwc.Webhooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(vwc.Webhooks))
	}
	wh := vwc.Webhooks[0]
	// Ignore, on purpose (values.yaml says why): an operator outage must not
	// block every FlinkDeployment edit; the operator validates again.
	if wh.FailurePolicy == nil || *wh.FailurePolicy != admissionregistrationv1.Ignore {
		t.Errorf("failurePolicy = %v, want Ignore", wh.FailurePolicy)
	}
	if s := wh.ClientConfig.Service; s == nil || s.Name != service || s.Namespace != releaseNS || s.Port == nil || *s.Port != 443 {
		t.Errorf("webhook calls %+v, want Service %s/%s port 443", s, releaseNS, service)
	}
	if len(wh.ClientConfig.CABundle) != 0 || vwc.Annotations["cert-manager.io/inject-ca-from"] != "" {
		t.Errorf("the chart must leave caBundle to the operator in self-signed mode: %+v, annotations %v", wh.ClientConfig, vwc.Annotations)
	}

	svcObj := findObject(objs, "Service", releaseNS, service)
	if svcObj == nil {
		t.Fatalf("no webhook Service %s/%s", releaseNS, service)
	}
	var svc corev1.Service
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(svcObj.Object, &svc); err != nil {
		t.Fatal(err)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 || svc.Spec.Ports[0].TargetPort.StrVal != "webhook" {
		t.Errorf("webhook Service ports %+v, want 443 to the container port named webhook", svc.Spec.Ports)
	}
	if findObject(objs, "Secret", releaseNS, secretName) == nil {
		t.Errorf("no empty certificate Secret %s/%s: the operator could not store its certificate without the right to create Secrets", releaseNS, secretName)
	}
	for _, kind := range []string{"Issuer", "Certificate"} {
		if len(ofKind(objs, kind)) != 0 {
			t.Errorf("the default install renders a cert-manager %s", kind)
		}
	}

	roles := rolesOf(t, objs)
	for role, want := range map[string]rbacv1.PolicyRule{
		"Role/" + releaseNS + "/t-flink-operator-webhook": {APIGroups: []string{""}, Resources: []string{"secrets"},
			ResourceNames: []string{secretName}, Verbs: []string{"get", "update"}},
		"ClusterRole/" + vwcName + "-webhook": {APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"validatingwebhookconfigurations"},
			ResourceNames: []string{vwcName}, Verbs: []string{"get", "update"}},
	} {
		if got, ok := roles[role]; !ok || !equalRules(got, []rbacv1.PolicyRule{want}) {
			t.Errorf("%s = %+v, want exactly %+v", role, got, want)
		}
	}
	checkBindings(t, objs, roles)

	container := deploymentOf(t, objs).Spec.Template.Spec.Containers[0]
	for _, flag := range []string{"--webhook", "--webhook-service=" + service, "--webhook-namespace=" + releaseNS,
		"--webhook-cert-secret=" + secretName, "--webhook-configuration=" + vwcName} {
		if !slices.Contains(container.Args, flag) {
			t.Errorf("no flag %q in %q", flag, container.Args)
		}
	}
	if !slices.ContainsFunc(container.Ports, func(p corev1.ContainerPort) bool { return p.Name == "webhook" && p.ContainerPort == 9443 }) {
		t.Errorf("no container port webhook 9443: %+v", container.Ports)
	}

	off, err := render(t, "t", nil, "webhook.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range off {
		if strings.Contains(o.GetName(), "webhook") || o.GetKind() == "ValidatingWebhookConfiguration" {
			t.Errorf("webhook.enabled=false still renders %s", id(o))
		}
	}
	if args := deploymentOf(t, off).Spec.Template.Spec.Containers[0].Args; slices.Contains(args, "--webhook") {
		t.Errorf("webhook.enabled=false still passes --webhook: %q", args)
	}
}
