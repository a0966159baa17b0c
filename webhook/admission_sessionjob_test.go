package webhook

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const sessionJobDeniedBy = `admission webhook "validate.flinksessionjobs.flink.apache.org" denied the request: `

// sessionJob is a valid FlinkSessionJob on the session "session", with
// labels.
func sessionJob(t *testing.T, ns, name string, labels map[string]string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkSessionJob",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"deploymentName": "session",
			"job":            map[string]any{"jarURI": "https://repo.example.com/jobs/job.jar", "parallelism": int64(2)},
		},
	}}
	if labels != nil {
		u.SetLabels(labels)
	}
	return u
}

// admitsSessionJobs: through the API server, a FlinkSessionJob is labelled
// target.session=<spec.deploymentName> on create and on every update, the
// user's other labels kept; one the CRD accepts but the operator could not
// run is refused, naming the field.
func admitsSessionJobs(t *testing.T, c client.Client, ns string) {
	t.Helper()
	ctx := context.Background()

	sj := sessionJob(t, ns, "orders", map[string]string{"team": "a"})
	require.NoError(t, c.Create(ctx, sj))
	assert.Equal(t, map[string]string{"team": "a", TargetSessionLabel: "session"}, sj.GetLabels(), "labelled on create")

	unlabelled := sessionJob(t, ns, "no-labels", nil)
	require.NoError(t, c.Create(ctx, unlabelled))
	assert.Equal(t, map[string]string{TargetSessionLabel: "session"}, unlabelled.GetLabels(), "labelled on create without labels")

	sj.SetLabels(map[string]string{"team": "b", TargetSessionLabel: "another-session"})
	require.NoError(t, c.Update(ctx, sj))
	assert.Equal(t, map[string]string{"team": "b", TargetSessionLabel: "session"}, sj.GetLabels(), "a wrong value is corrected")
	sj.SetLabels(nil)
	require.NoError(t, c.Update(ctx, sj))
	assert.Equal(t, map[string]string{TargetSessionLabel: "session"}, sj.GetLabels(), "a removed label comes back")
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(sj.GroupVersionKind())
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sj), got))
	assert.Equal(t, "session", got.GetLabels()[TargetSessionLabel], "as stored")

	// The CRD accepts http:// jars; this operator fetches them only with
	// --allow-http-artifacts.
	bad := sessionJob(t, ns, "bad", nil)
	require.NoError(t, unstructured.SetNestedField(bad.Object, "http://repo.example.com/job.jar", "spec", "job", "jarURI"))
	err := c.Create(ctx, bad)
	require.Error(t, err)
	assert.Equal(t, sessionJobDeniedBy+`FlinkSessionJob.flink.apache.org "bad" is invalid: spec.job.jarURI: Invalid value: "http://repo.example.com/job.jar": `+
		`http:// is not allowed by this operator (a jar fetched without TLS can be replaced on the way): use https://, or run the operator with --allow-http-artifacts; allowed: https://, s3://, gs://`, err.Error())

	// The same on an update; a metadata-only update of a stored job passes.
	edited := sj.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(edited.Object, "http://repo.example.com/job.jar", "spec", "job", "jarURI"))
	err = c.Update(ctx, edited)
	require.Error(t, err)
	assert.Contains(t, err.Error(), sessionJobDeniedBy+`FlinkSessionJob.flink.apache.org "orders" is invalid: spec.job.jarURI: `)
	sj.SetFinalizers([]string{"flink.apache.org/finalizer"})
	require.NoError(t, c.Update(ctx, sj))
	require.NoError(t, c.Delete(ctx, sj))
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sj), sj))
	sj.SetFinalizers(nil)
	require.NoError(t, c.Update(ctx, sj))
	require.NoError(t, c.Delete(ctx, unlabelled))
}
