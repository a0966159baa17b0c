package webhook

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

func request(op admissionv1.Operation, kind string, obj, old []byte) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "1",
		Kind:      metav1.GroupVersionKind{Group: "flink.apache.org", Version: "v1beta1", Kind: kind},
		Operation: op,
		Namespace: "analytics",
		Name:      "job",
		Object:    runtime.RawExtension{Raw: obj},
		OldObject: runtime.RawExtension{Raw: old},
	}}
}

func TestHandleDeniesWithEveryProblemAsCauses(t *testing.T) {
	v := NewValidator(Options{})
	bad := object(t, func(m map[string]any) {
		at(m, "spec", "job")["parallelism"] = 0
		at(m, "spec")["mode"] = "hybrid"
	})
	resp := v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", bad, nil))
	require.False(t, resp.Allowed)
	require.NotNil(t, resp.Result)
	assert.Equal(t, int32(http.StatusUnprocessableEntity), resp.Result.Code)
	assert.Equal(t, metav1.StatusReasonInvalid, resp.Result.Reason)
	assert.Equal(t, `FlinkDeployment.flink.apache.org "job" is invalid: [spec.mode: Unsupported value: "hybrid": supported values: "native", "standalone", spec.job.parallelism: Invalid value: 0: must be at least 1 (or set spec.taskManager.replicas)]`, resp.Result.Message)
	assert.Equal(t, []metav1.StatusCause{
		{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.mode", Message: `Unsupported value: "hybrid": supported values: "native", "standalone"`},
		{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.job.parallelism", Message: "Invalid value: 0: must be at least 1 (or set spec.taskManager.replicas)"},
	}, resp.Result.Details.Causes)

	// One problem: no list brackets, as the API server writes it.
	one := object(t, func(m map[string]any) { at(m, "spec", "job")["parallelism"] = 0 })
	resp = v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", one, nil))
	assert.Equal(t, `FlinkDeployment.flink.apache.org "job" is invalid: spec.job.parallelism: Invalid value: 0: must be at least 1 (or set spec.taskManager.replicas)`, resp.Result.Message)
}

func TestHandleNameFromObjectForGenerateName(t *testing.T) {
	bad := object(t, func(m map[string]any) {
		at(m, "metadata")["name"] = "job-x7k2p"
		at(m, "spec", "job")["parallelism"] = 0
	})
	req := request(admissionv1.Create, "FlinkDeployment", bad, nil)
	req.Name = ""
	resp := NewValidator(Options{}).Handle(context.Background(), req)
	require.False(t, resp.Allowed)
	assert.Equal(t, "job-x7k2p", resp.Result.Details.Name)
}

func TestHandleAllowsValidAndOtherOperations(t *testing.T) {
	v := NewValidator(Options{})
	good := object(t, nil)
	assert.True(t, v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", good, nil)).Allowed)
	assert.True(t, v.Handle(context.Background(), request(admissionv1.Update, "FlinkDeployment", good, good)).Allowed)
	assert.True(t, v.Handle(context.Background(), request(admissionv1.Delete, "FlinkDeployment", nil, good)).Allowed)
}

func TestHandleRefusesOtherKindsAndBrokenOldObjects(t *testing.T) {
	v := NewValidator(Options{})
	resp := v.Handle(context.Background(), request(admissionv1.Create, "FlinkSessionJob", object(t, nil), nil))
	require.False(t, resp.Allowed)
	assert.Equal(t, int32(http.StatusBadRequest), resp.Result.Code)
	assert.Equal(t, "this webhook validates flink.apache.org FlinkDeployments, not flink.apache.org FlinkSessionJob", resp.Result.Message)

	resp = v.Handle(context.Background(), request(admissionv1.Update, "FlinkDeployment", object(t, nil), []byte("{")))
	require.False(t, resp.Allowed)
	assert.Equal(t, int32(http.StatusBadRequest), resp.Result.Code)
	assert.Contains(t, resp.Result.Message, "FlinkDeployment/analytics/job: decode as stored before the update: ")
}

// What the reference operator honours and this one does not comes back as
// admission warnings, which kubectl apply prints; the object is admitted.
func TestHandleWarnsOfUnsupportedSettings(t *testing.T) {
	v := NewValidator(Options{})
	withAutoscaler := object(t, func(m map[string]any) {
		at(m, "spec")["flinkConfiguration"] = map[string]any{"job.autoscaler.enabled": "true"}
	})
	resp := v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", withAutoscaler, nil))
	require.True(t, resp.Allowed)
	require.Len(t, resp.Warnings, 1)
	assert.Contains(t, resp.Warnings[0], `unsupported, not acted on: spec.flinkConfiguration[job.autoscaler.enabled]: the job autoscaler is not supported`)

	// Refused for another reason: the warnings come along.
	both := object(t, func(m map[string]any) {
		at(m, "spec")["flinkConfiguration"] = map[string]any{"job.autoscaler.enabled": "true"}
		at(m, "spec", "job")["parallelism"] = 0
	})
	resp = v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", both, nil))
	require.False(t, resp.Allowed)
	assert.Len(t, resp.Warnings, 1)

	// An update that leaves the spec alone says nothing again.
	resp = v.Handle(context.Background(), request(admissionv1.Update, "FlinkDeployment", withAutoscaler, withAutoscaler))
	require.True(t, resp.Allowed)
	assert.Empty(t, resp.Warnings)

	assert.Empty(t, v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", object(t, nil), nil)).Warnings)
}
