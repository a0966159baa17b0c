// Tests of the generated FlinkSessionJob CRD: its shape against the
// reference operator's, and its rules in a real kube-apiserver.
package schemas_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// What kubectl shows of a FlinkSessionJob: the reference's names and
// columns; with -o wide, the session and the error.
func TestSessionJobCRDMatchesReferenceShape(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("crd", sessionJobCRDFile))
	require.NoError(t, err)
	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, yaml.Unmarshal(raw, crd))

	assert.Equal(t, "flink.apache.org", crd.Spec.Group)
	assert.Equal(t, "FlinkSessionJob", crd.Spec.Names.Kind)
	assert.Equal(t, "flinksessionjobs", crd.Spec.Names.Plural)
	assert.Equal(t, []string{"sessionjob"}, crd.Spec.Names.ShortNames)
	assert.ElementsMatch(t, []string{"flink", "all"}, crd.Spec.Names.Categories, "kubectl get flink")
	assert.Equal(t, apiextensionsv1.NamespaceScoped, crd.Spec.Scope)
	require.Len(t, crd.Spec.Versions, 1)
	v := crd.Spec.Versions[0]
	assert.Equal(t, "v1beta1", v.Name)
	require.NotNil(t, v.Subresources)
	assert.NotNil(t, v.Subresources.Status)
	assert.Nil(t, v.Subresources.Scale, "the reference's session job has no scale subresource")
	var normal, wide []string
	paths := map[string]string{}
	for _, c := range v.AdditionalPrinterColumns {
		paths[c.Name] = c.JSONPath
		if c.Priority == 0 {
			normal = append(normal, c.Name)
		} else {
			wide = append(wide, c.Name)
		}
	}
	assert.Equal(t, []string{"Job Status", "Lifecycle State"}, normal)
	assert.Equal(t, []string{"Session", "Error"}, wide)
	assert.Equal(t, ".status.jobStatus.state", paths["Job Status"])
	assert.Equal(t, ".status.lifecycleState", paths["Lifecycle State"])
	assert.Equal(t, ".spec.deploymentName", paths["Session"])
}

// The chart must not install a CRD that would accept jobs nothing
// submits: the FlinkSessionJob CRD is installed only with
// sessionJobs.enabled, which also turns the controller on
// (charts/sessionjobs_test.go). crds/ would install it unconditionally.
func TestChartLeavesOutTheSessionJobCRD(t *testing.T) {
	_, err := os.Stat(filepath.Join("..", "charts", "flink-operator", "crds", sessionJobCRDFile))
	assert.True(t, os.IsNotExist(err), "charts/flink-operator/crds/%s exists (%v): Helm would install it without sessionJobs.enabled, with no controller to run session jobs", sessionJobCRDFile, err)
}

// validSessionJob is a FlinkSessionJob every rule accepts; cases change
// one thing.
const validSessionJob = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: wordcount
spec:
  deploymentName: session
  job:
    jarURI: https://repo.example.com/jobs/wordcount.jar
    parallelism: 2
    upgradeMode: savepoint
`

func TestCRDRefusesInvalidFlinkSessionJobs(t *testing.T) {
	c, ns := kube(t)
	ctx := context.Background()
	prefix := `FlinkSessionJob.flink.apache.org "wordcount" is invalid: `
	schemaErr := func(msg string) string {
		return prefix + "[" + msg + ", <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"
	}
	jarRequired := prefix + `spec.job.jarURI: Invalid value: "object": spec.job.jarURI is required for a FlinkSessionJob, for example https://repo.example.com/jobs/job.jar: the operator fetches the jar and uploads it to the session's JobManager`
	inImage := prefix + `spec.job.jarURI: Invalid value: "object": spec.job.jarURI of a FlinkSessionJob must be https://, http://, s3:// or gs://: a local:// or file:// jar lies in an application cluster's image, and a session's JobManager has none`
	badName := prefix + `spec.deploymentName: Invalid value: "string": spec.deploymentName must be a FlinkDeployment's name: at most 45 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit`
	cases := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"no spec", func(m map[string]any) { delete(m, "spec") }, schemaErr(`spec: Required value`)},
		{"deploymentName missing", func(m map[string]any) { delete(at(m, "spec"), "deploymentName") },
			schemaErr(`spec.deploymentName: Required value`)},
		{"deploymentName empty", func(m map[string]any) { at(m, "spec")["deploymentName"] = "" },
			prefix + `spec.deploymentName: Invalid value: "": spec.deploymentName in body should be at least 1 chars long`},
		{"deploymentName with a dot", func(m map[string]any) { at(m, "spec")["deploymentName"] = "session.v2" }, badName},
		{"deploymentName too long", func(m map[string]any) { at(m, "spec")["deploymentName"] = "s" + strings.Repeat("x", 45) }, badName},
		{"job missing", func(m map[string]any) { delete(at(m, "spec"), "job") }, schemaErr(`spec.job: Required value`)},
		{"jarURI missing", func(m map[string]any) { delete(at(m, "spec.job"), "jarURI") }, jarRequired},
		{"jarURI empty", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "" },
			prefix + `[` + strings.TrimPrefix(jarRequired, prefix) + `, spec.job.jarURI: Invalid value: "string": spec.job.jarURI must start with local://, file://, https://, http://, s3:// or gs://]`},
		{"jar in an image", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "local:///opt/flink/usrlib/job.jar" }, inImage},
		{"jar on the operator's disk", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "FILE:///opt/jobs/job.jar" }, inImage},
		{"jar scheme", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "ftp://repo/job.jar" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI must start with local://, file://, https://, http://, s3:// or gs://`},
		{"https without a file", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "https://repo.example.com/jobs/" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI needs a host (https) or bucket (s3, gs) and must name a file, not a folder, for example s3://bucket/jobs/job.jar`},
		{"unknown upgrade mode", func(m map[string]any) { at(m, "spec.job")["upgradeMode"] = "last_state" },
			schemaErr(`spec.job.upgradeMode: Unsupported value: "last_state": supported values: "stateless", "savepoint", "last-state"`)},
		{"unknown job state", func(m map[string]any) { at(m, "spec.job")["state"] = "paused" },
			schemaErr(`spec.job.state: Unsupported value: "paused": supported values: "running", "suspended"`)},
		{"parallelism negative", func(m map[string]any) { at(m, "spec.job")["parallelism"] = -1 },
			prefix + `spec.job.parallelism: Invalid value: -1: spec.job.parallelism in body should be greater than or equal to 0`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Create(ctx, object(t, validSessionJob, ns, tc.edit))
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
	// The valid job, and the other schemes a session job may fetch from,
	// with job-level configuration in the reference's nested form.
	require.NoError(t, c.Create(ctx, object(t, validSessionJob, ns, nil)))
	for name, uri := range map[string]string{"s3": "s3://bucket/jobs/job.jar", "gs": "GS://bucket/jobs/job.jar", "http": "http://repo.example.com/job.jar?sig=a@b"} {
		require.NoError(t, c.Create(ctx, object(t, validSessionJob, ns, func(m map[string]any) {
			at(m, "metadata")["name"] = name
			at(m, "spec.job")["jarURI"] = uri
			at(m, "spec.flinkConfiguration.pipeline")["name"] = "nested"
			at(m, "spec")["restartNonce"] = 3
		})), name)
	}
}

func TestCRDSessionJobTransitionRules(t *testing.T) {
	c, ns := kube(t)
	ctx := context.Background()
	u := object(t, validSessionJob, ns, nil)
	require.NoError(t, c.Create(ctx, u))

	// Status, finalizers and job edits pass...
	require.NoError(t, unstructured.SetNestedField(u.Object, "RUNNING", "status", "jobStatus", "state"))
	require.NoError(t, unstructured.SetNestedField(u.Object, "4f2d6a0c8b1e4d3f9a7c5b2e1d0f3a6b", "status", "upgrade", "jobId"))
	require.NoError(t, unstructured.SetNestedField(u.Object, "Deploying", "status", "upgrade", "phase"))
	require.NoError(t, unstructured.SetNestedField(u.Object, "savepoint", "status", "upgrade", "mode"))
	require.NoError(t, unstructured.SetNestedField(u.Object, "7c1e_wordcount.jar", "status", "jar", "id"))
	require.NoError(t, c.Status().Update(ctx, u))
	u.SetFinalizers([]string{"flink.apache.org/finalizer"})
	require.NoError(t, c.Update(ctx, u))
	require.NoError(t, unstructured.SetNestedField(u.Object, int64(4), "spec", "job", "parallelism"))
	require.NoError(t, c.Update(ctx, u))

	// ...but the session is fixed from creation on.
	changed := u.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(changed.Object, "other-session", "spec", "deploymentName"))
	err := c.Update(ctx, changed)
	require.Error(t, err)
	assert.Equal(t, `FlinkSessionJob.flink.apache.org "wordcount" is invalid: spec.deploymentName: Invalid value: "string": spec.deploymentName cannot change: the job runs on that session cluster; create a new FlinkSessionJob for another`, err.Error())

	// The job's own transition rule holds here too.
	changed = u.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(changed.Object, int64(1), "spec", "job", "savepointRedeployNonce"))
	err = c.Update(ctx, changed)
	require.Error(t, err)
	assert.Equal(t, `FlinkSessionJob.flink.apache.org "wordcount" is invalid: spec.job.initialSavepointPath: Invalid value: "object": a new spec.job.savepointRedeployNonce redeploys from spec.job.initialSavepointPath, which is empty: set it`, err.Error())

	// The finalizer's removal passes, and the object goes.
	require.NoError(t, c.Delete(ctx, u))
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(u), u))
	u.SetFinalizers(nil)
	require.NoError(t, c.Update(ctx, u))
	err = c.Get(ctx, client.ObjectKeyFromObject(u), u)
	assert.True(t, client.IgnoreNotFound(err) == nil && err != nil, "deleted: %v", err)
}
