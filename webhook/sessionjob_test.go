package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/flinkops/flink-operator/renderer"
)

func sessionJobJSON(t *testing.T, labels map[string]string, spec map[string]any) []byte {
	t.Helper()
	meta := map[string]any{"name": "job", "namespace": "analytics"}
	if labels != nil {
		meta["labels"] = labels
	}
	if spec == nil {
		spec = map[string]any{"deploymentName": "session", "job": map[string]any{"jarURI": "https://repo.example.com/job.jar"}}
	}
	b, err := json.Marshal(map[string]any{"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkSessionJob", "metadata": meta, "spec": spec})
	require.NoError(t, err)
	return b
}

func TestSessionJobLabelerPatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"no labels", nil, `[{"op":"add","path":"/metadata/labels","value":{"target.session":"session"}}]`},
		{"other labels kept", map[string]string{"team": "a"}, `[{"op":"add","path":"/metadata/labels/target.session","value":"session"}]`},
		{"wrong value overwritten", map[string]string{"target.session": "other"}, `[{"op":"add","path":"/metadata/labels/target.session","value":"session"}]`},
		{"already right", map[string]string{"target.session": "session"}, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, op := range []admissionv1.Operation{admissionv1.Create, admissionv1.Update} {
				resp := SessionJobLabeler{}.Handle(context.Background(), request(op, "FlinkSessionJob", sessionJobJSON(t, tc.labels, nil), nil))
				require.True(t, resp.Allowed)
				require.NoError(t, resp.Complete(request(op, "FlinkSessionJob", nil, nil)))
				if tc.want == "" {
					assert.Empty(t, resp.Patch, op)
					continue
				}
				assert.JSONEq(t, tc.want, string(resp.Patch), op)
				assert.Equal(t, admissionv1.PatchTypeJSONPatch, *resp.PatchType)
			}
		})
	}
	// No session named: nothing to label (validation refuses it).
	resp := SessionJobLabeler{}.Handle(context.Background(), request(admissionv1.Create, "FlinkSessionJob", sessionJobJSON(t, nil, map[string]any{}), nil))
	assert.True(t, resp.Allowed)
	assert.Empty(t, resp.Patches)
	// Other operations and kinds.
	assert.True(t, SessionJobLabeler{}.Handle(context.Background(), request(admissionv1.Delete, "FlinkSessionJob", nil, nil)).Allowed)
	resp = SessionJobLabeler{}.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", object(t, nil), nil))
	require.False(t, resp.Allowed)
	assert.Equal(t, "this webhook handles flink.apache.org FlinkSessionJobs, not flink.apache.org FlinkDeployment", resp.Result.Message)
}

func TestSessionJobValidatorHandle(t *testing.T) {
	v := NewSessionJobValidator(Options{})
	good := sessionJobJSON(t, nil, nil)
	assert.True(t, v.Handle(context.Background(), request(admissionv1.Create, "FlinkSessionJob", good, nil)).Allowed)

	bad := sessionJobJSON(t, nil, map[string]any{"job": map[string]any{"jarURI": "local:///opt/job.jar", "upgradeMode": "last_state"}})
	resp := v.Handle(context.Background(), request(admissionv1.Create, "FlinkSessionJob", bad, nil))
	require.False(t, resp.Allowed)
	assert.Equal(t, int32(http.StatusUnprocessableEntity), resp.Result.Code)
	assert.Equal(t, `FlinkSessionJob.flink.apache.org "job" is invalid: [`+
		`spec.deploymentName: Required value: the name of the session FlinkDeployment, in the same namespace, that the job runs on, `+
		`spec.job.jarURI: Invalid value: "local:///opt/job.jar": a local:// or file:// jar lies in an application cluster's image, and a session's JobManager has none; allowed: https://, s3://, gs://, `+
		`spec.job.upgradeMode: Unsupported value: "last_state": supported values: "stateless", "savepoint", "last-state"]`, resp.Result.Message)
	assert.Equal(t, "FlinkSessionJob", resp.Result.Details.Kind)
	assert.Len(t, resp.Result.Details.Causes, 3)

	// Unknown fields, strictly, as for FlinkDeployments.
	typo := sessionJobJSON(t, nil, map[string]any{"deploymentName": "session", "job": map[string]any{"jarURI": "https://r/j.jar", "paralelism": 2}})
	resp = v.Handle(context.Background(), request(admissionv1.Create, "FlinkSessionJob", typo, nil))
	require.False(t, resp.Allowed)
	assert.Contains(t, resp.Result.Message, `spec.job.paralelism: unknown field; did you mean "parallelism"?`)

	// An update that moves the job to another session; a metadata-only
	// update of a job the rules now refuse passes.
	moved := sessionJobJSON(t, nil, map[string]any{"deploymentName": "other", "job": map[string]any{"jarURI": "https://repo.example.com/job.jar"}})
	resp = v.Handle(context.Background(), request(admissionv1.Update, "FlinkSessionJob", moved, good))
	require.False(t, resp.Allowed)
	assert.Contains(t, resp.Result.Message, `spec.deploymentName: Invalid value: "other": cannot change from session`)
	httpJar := sessionJobJSON(t, map[string]string{"a": "b"}, map[string]any{"deploymentName": "session", "job": map[string]any{"jarURI": "http://repo/job.jar"}})
	assert.True(t, v.Handle(context.Background(), request(admissionv1.Update, "FlinkSessionJob", httpJar, sessionJobJSON(t, nil, map[string]any{"deploymentName": "session", "job": map[string]any{"jarURI": "http://repo/job.jar"}}))).Allowed)
	assert.True(t, NewSessionJobValidator(Options{RenderContext: renderer.RenderContext{AllowHTTPArtifacts: true}}).Handle(context.Background(), request(admissionv1.Create, "FlinkSessionJob", httpJar, nil)).Allowed)

	assert.True(t, v.Handle(context.Background(), request(admissionv1.Delete, "FlinkSessionJob", nil, good)).Allowed)
	resp = v.Handle(context.Background(), request(admissionv1.Update, "FlinkSessionJob", good, []byte("{")))
	require.False(t, resp.Allowed)
	assert.Contains(t, resp.Result.Message, "FlinkSessionJob/analytics/job: decode as stored before the update: ")
	resp = v.Handle(context.Background(), request(admissionv1.Create, "FlinkDeployment", object(t, nil), nil))
	require.False(t, resp.Allowed)
	assert.Equal(t, int32(http.StatusBadRequest), resp.Result.Code)
}
