package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// FlinkSessionJob admission, served with --session-jobs: a validating
// webhook (SessionJobValidator) and a mutating one (SessionJobLabeler)
// that sets the label TargetSessionLabel, as the reference operator's
// mutating webhook does (DefaultFlinkMutator).
const (
	// SessionJobValidatePath and SessionJobMutatePath are where they are
	// served.
	SessionJobValidatePath = "/validate-flink-apache-org-v1beta1-flinksessionjob"
	SessionJobMutatePath   = "/mutate-flink-apache-org-v1beta1-flinksessionjob"
	// SessionJobValidateName and SessionJobMutateName are the webhooks'
	// names in their configurations; the API server quotes them when it
	// denies a request.
	SessionJobValidateName = "validate.flinksessionjobs.flink.apache.org"
	SessionJobMutateName   = "mutate.flinksessionjobs.flink.apache.org"
)

// TargetSessionLabel is the label the labelling webhook sets.
const TargetSessionLabel = v1beta1.TargetSessionLabel

// RegisterSessionJobs serves the FlinkSessionJob webhooks on server.
func RegisterSessionJobs(server ctrlwebhook.Server, v *SessionJobValidator) {
	server.Register(SessionJobValidatePath, &ctrlwebhook.Admission{Handler: v})
	server.Register(SessionJobMutatePath, &ctrlwebhook.Admission{Handler: SessionJobLabeler{}})
}

// SessionJobValidator checks FlinkSessionJobs for admission.
type SessionJobValidator struct {
	opts validation.Options
}

// NewSessionJobValidator returns a SessionJobValidator with the operator's
// settings: the jar schemes it fetches follow RenderContext's.
func NewSessionJobValidator(opts Options) *SessionJobValidator {
	return &SessionJobValidator{opts: opts.RenderContext.ValidationOptions()}
}

var _ admission.Handler = &SessionJobValidator{}

// Check returns every problem of a FlinkSessionJob sent for admission: raw
// as the API server sent it, old the stored object on an update (nil on
// create).
func (v *SessionJobValidator) Check(raw []byte, old *v1beta1.FlinkSessionJob) []Problem {
	sj, decodeErrs := decode.SessionJobObject(raw)
	var problems []Problem
	for _, e := range decodeErrs {
		problems = append(problems, Problem{Field: e.Path, Message: e.Message})
	}
	if sj == nil {
		return problems
	}
	if old != nil && !sessionJobSpecChanged(old, sj) {
		// Metadata-only updates (labels, the finalizer on the way to
		// deletion) never fail on rules the stored spec predates.
		return nil
	}
	problems = append(problems, fromFieldErrors(validation.ValidateSessionJob(sj, v.opts))...)
	if old != nil {
		problems = append(problems, fromFieldErrors(validation.ValidateSessionJobTransition(old, sj))...)
	}
	return problems
}

// Handle answers one admission request for a FlinkSessionJob.
func (v *SessionJobValidator) Handle(_ context.Context, req admission.Request) admission.Response {
	if resp, ok := onlySessionJobs(req); !ok {
		return resp
	}
	var old *v1beta1.FlinkSessionJob
	switch req.Operation {
	case admissionv1.Create:
	case admissionv1.Update:
		old = &v1beta1.FlinkSessionJob{}
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, objref.Ref{Kind: v1beta1.KindFlinkSessionJob, Namespace: req.Namespace, Name: req.Name}.Errorf("decode as stored before the update: %w", err))
		}
	default:
		return admission.Allowed("")
	}
	problems := v.Check(req.Object.Raw, old)
	if len(problems) == 0 {
		return admission.Allowed("")
	}
	name := req.Name
	if name == "" {
		name = nameOf(req.Object.Raw)
	}
	return deniedAs(v1beta1.KindFlinkSessionJob, name, problems)
}

// SessionJobLabeler sets the label target.session=<spec.deploymentName> on
// FlinkSessionJobs as they are created and updated, with a JSON patch:
// added when missing, corrected when it names another session, the other
// labels kept.
type SessionJobLabeler struct{}

var _ admission.Handler = SessionJobLabeler{}

// Handle answers one admission request for a FlinkSessionJob.
func (SessionJobLabeler) Handle(_ context.Context, req admission.Request) admission.Response {
	if resp, ok := onlySessionJobs(req); !ok {
		return resp
	}
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed("")
	}
	var sj struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			DeploymentName string `json:"deploymentName"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(req.Object.Raw, &sj); err != nil {
		// Not this webhook's to refuse: the validating one names the field.
		return admission.Allowed("not labelled: " + err.Error())
	}
	session := sj.Spec.DeploymentName
	if session == "" {
		return admission.Allowed("")
	}
	patches := labelPatch(sj.Metadata.Labels, TargetSessionLabel, session)
	if len(patches) == 0 {
		return admission.Allowed("")
	}
	return admission.Patched("", patches...)
}

// labelPatch sets the label key to value, keeping the others.
func labelPatch(labels map[string]string, key, value string) []jsonpatch.Operation {
	if got, ok := labels[key]; ok && got == value {
		return nil
	}
	if labels == nil {
		return []jsonpatch.Operation{{Operation: "add", Path: "/metadata/labels", Value: map[string]string{key: value}}}
	}
	// JSON pointer escaping (RFC 6901): ~ first, then /.
	escaped := strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
	return []jsonpatch.Operation{{Operation: "add", Path: "/metadata/labels/" + escaped, Value: value}}
}

// onlySessionJobs refuses a request for any other kind.
func onlySessionJobs(req admission.Request) (admission.Response, bool) {
	if req.Kind.Group != v1beta1.GroupVersion.Group || req.Kind.Kind != v1beta1.KindFlinkSessionJob {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("this webhook handles %s FlinkSessionJobs, not %s %s", v1beta1.GroupVersion.Group, req.Kind.Group, req.Kind.Kind)), false
	}
	return admission.Response{}, true
}

// sessionJobSpecChanged reports whether an update changes the spec. An
// update of an object being deleted can only drop finalizers.
func sessionJobSpecChanged(old, next *v1beta1.FlinkSessionJob) bool {
	if !old.DeletionTimestamp.IsZero() || !next.DeletionTimestamp.IsZero() {
		return false
	}
	return !reflect.DeepEqual(jsonOf(old.Spec), jsonOf(next.Spec))
}

// jsonOf is v as a JSON value: free-form parts (flinkConfiguration) are
// raw bytes, whose key order is no part of their meaning.
func jsonOf(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return err.Error()
	}
	return out
}

// nameOf is metadata.name of a raw object: a create with generateName
// carries the name only there.
func nameOf(raw []byte) string {
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	_ = json.Unmarshal(raw, &obj)
	return obj.Metadata.Name
}

// SessionJobValidatingWebhook is the webhook entry that sends
// FlinkSessionJob creates and updates to SessionJobValidatePath, for a
// ValidatingWebhookConfiguration beside Configuration's (the Helm chart
// installs the same with sessionJobs.enabled).
func SessionJobValidatingWebhook(serviceNamespace, serviceName string, port int32, caBundle []byte) admissionregistrationv1.ValidatingWebhook {
	return admissionregistrationv1.ValidatingWebhook{
		Name:                    SessionJobValidateName,
		ClientConfig:            clientConfig(serviceNamespace, serviceName, SessionJobValidatePath, port, caBundle),
		Rules:                   sessionJobRules(),
		FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
		MatchPolicy:             ptr.To(admissionregistrationv1.Equivalent),
		SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
		AdmissionReviewVersions: []string{"v1"},
		TimeoutSeconds:          ptr.To[int32](10),
	}
}

// SessionJobMutatingConfiguration is the MutatingWebhookConfiguration that
// sends FlinkSessionJob creates and updates to SessionJobMutatePath.
func SessionJobMutatingConfiguration(name, serviceNamespace, serviceName string, port int32, caBundle []byte) *admissionregistrationv1.MutatingWebhookConfiguration {
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    SessionJobMutateName,
			ClientConfig:            clientConfig(serviceNamespace, serviceName, SessionJobMutatePath, port, caBundle),
			Rules:                   sessionJobRules(),
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			MatchPolicy:             ptr.To(admissionregistrationv1.Equivalent),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr.To[int32](10),
			ReinvocationPolicy:      ptr.To(admissionregistrationv1.NeverReinvocationPolicy),
		}},
	}
}

func clientConfig(serviceNamespace, serviceName, path string, port int32, caBundle []byte) admissionregistrationv1.WebhookClientConfig {
	return admissionregistrationv1.WebhookClientConfig{
		Service: &admissionregistrationv1.ServiceReference{
			Namespace: serviceNamespace, Name: serviceName, Path: ptr.To(path), Port: ptr.To(port),
		},
		CABundle: caBundle,
	}
}

func sessionJobRules() []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{
			APIGroups:   []string{v1beta1.GroupVersion.Group},
			APIVersions: []string{v1beta1.GroupVersion.Version},
			Resources:   []string{"flinksessionjobs"},
			Scope:       ptr.To(admissionregistrationv1.NamespacedScope),
		},
	}}
}
