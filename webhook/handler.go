package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Path is where the webhook is served; the ValidatingWebhookConfiguration's
// clientConfig.service.path.
const Path = "/validate-flink-apache-org-v1beta1-flinkdeployment"

var _ admission.Handler = &Validator{}

// Handle answers one admission request: CREATE and UPDATE of a
// FlinkDeployment are checked, anything else is allowed.
func (v *Validator) Handle(_ context.Context, req admission.Request) admission.Response {
	if req.Kind.Group != v1beta1.GroupVersion.Group || req.Kind.Kind != v1beta1.KindFlinkDeployment {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("this webhook validates %s FlinkDeployments, not %s %s", v1beta1.GroupVersion.Group, req.Kind.Group, req.Kind.Kind))
	}
	var old *v1beta1.FlinkDeployment
	switch req.Operation {
	case admissionv1.Create:
	case admissionv1.Update:
		old = &v1beta1.FlinkDeployment{}
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, objref.Ref{Kind: "FlinkDeployment", Namespace: req.Namespace, Name: req.Name}.Errorf("decode as stored before the update: %w", err))
		}
	default:
		return admission.Allowed("")
	}
	problems, warnings := v.Review(req.Object.Raw, old, req.Namespace)
	if len(problems) == 0 {
		return admission.Allowed("").WithWarnings(warnings...)
	}
	name := req.Name
	if name == "" {
		// A create with generateName carries the name only in the object.
		if fd, _ := decode.Object(req.Object.Raw); fd != nil {
			name = fd.Name
		}
	}
	return denied(name, problems).WithWarnings(warnings...)
}

// denied is the answer kubectl shows as an Invalid error, in the API
// server's own format (Kind.group "name" is invalid: [...]) with one cause
// per problem.
func denied(name string, problems []Problem) admission.Response {
	return deniedAs(v1beta1.KindFlinkDeployment, name, problems)
}

// deniedAs is denied for an object of kind.
func deniedAs(kind, name string, problems []Problem) admission.Response {
	parts := make([]string, len(problems))
	causes := make([]metav1.StatusCause, len(problems))
	for i, p := range problems {
		parts[i] = p.String()
		causes[i] = metav1.StatusCause{Type: metav1.CauseTypeFieldValueInvalid, Field: p.Field, Message: p.Message}
	}
	list := parts[0]
	if len(parts) > 1 {
		list = "[" + strings.Join(parts, ", ") + "]"
	}
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed: false,
		Result: &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusUnprocessableEntity,
			Reason:  metav1.StatusReasonInvalid,
			Message: fmt.Sprintf("%s.%s %q is invalid: %s", kind, v1beta1.GroupVersion.Group, name, list),
			Details: &metav1.StatusDetails{
				Name:   name,
				Group:  v1beta1.GroupVersion.Group,
				Kind:   kind,
				Causes: causes,
			},
		},
	}}
}
