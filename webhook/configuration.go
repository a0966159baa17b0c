package webhook

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Name is the webhook's name inside its ValidatingWebhookConfiguration; the
// API server quotes it when it denies a request.
const Name = "validate.flinkdeployments.flink.apache.org"

// Register serves v on server at Path.
func Register(server ctrlwebhook.Server, v *Validator) {
	server.Register(Path, &ctrlwebhook.Admission{Handler: v})
}

// Configuration is the ValidatingWebhookConfiguration that sends
// FlinkDeployment creates and updates to the webhook behind a Service (the
// Helm chart installs the same). Status updates are not sent: they go to
// the status subresource, which no rule names.
func Configuration(name, serviceNamespace, serviceName string, port int32, caBundle []byte) *admissionregistrationv1.ValidatingWebhookConfiguration {
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: Name,
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				Service: &admissionregistrationv1.ServiceReference{
					Namespace: serviceNamespace, Name: serviceName, Path: ptr.To(Path), Port: ptr.To(port),
				},
				CABundle: caBundle,
			},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{v1beta1.GroupVersion.Group},
					APIVersions: []string{v1beta1.GroupVersion.Version},
					Resources:   []string{"flinkdeployments"},
					Scope:       ptr.To(admissionregistrationv1.NamespacedScope),
				},
			}},
			// As in the reference operator: no FlinkDeployment change gets
			// past an operator that cannot check it.
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			MatchPolicy:             ptr.To(admissionregistrationv1.Equivalent),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr.To[int32](10),
		}},
	}
}
