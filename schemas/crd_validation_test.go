// Tests that the generated CRD, installed in a real kube-apiserver, refuses
// what it can (schema and CEL rules) with a clear message, accepts every
// manifest that renders, and never blocks status or finalizer updates.
package schemas_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/corpus"
	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

var (
	apiServerOnce sync.Once
	apiServer     *testenv.Env
	apiServerErr  error
)

// TestMain stops the API server the CRD tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if apiServer != nil {
		if err := apiServer.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop kube-apiserver:", err)
		}
	}
	os.Exit(code)
}

// kube starts (once) a kube-apiserver with the generated CRDs (the chart's
// FlinkDeployment CRD is the same file, TestChartCRDIsTheGeneratedOne, and
// the FlinkSessionJob CRD is not in the chart yet) and returns a client and
// a fresh namespace.
func kube(t *testing.T) (client.Client, string) {
	t.Helper()
	apiServerOnce.Do(func() {
		apiServer, apiServerErr = testenv.Start(testenv.WithCRDPaths(filepath.Join(testenv.RepoRoot(), "schemas", "crd")))
	})
	require.NoError(t, apiServerErr)
	c, err := client.New(apiServer.Config, client.Options{})
	require.NoError(t, err)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "crd-"}}
	require.NoError(t, c.Create(context.Background(), ns))
	return c, ns.Name
}

// validSpec is a FlinkDeployment every rule accepts; cases change one thing.
const validSpec = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: job
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager:
    resource: {memory: 2048m, cpu: 1}
  taskManager:
    resource: {memory: 2048m, cpu: 1}
  job:
    jarURI: local:///opt/flink/usrlib/job.jar
    parallelism: 2
`

// object decodes YAML into an unstructured object in namespace ns, after
// applying edit to its plain map form.
func object(t *testing.T, doc, ns string, edit func(map[string]any)) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(doc), &m))
	if edit != nil {
		edit(m)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetNamespace(ns)
	return u
}

// at returns the map at a dotted path, creating it.
func at(m map[string]any, path string) map[string]any {
	for _, p := range strings.Split(path, ".") {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	return m
}

func TestCRDRefusesInvalidFlinkDeployments(t *testing.T) {
	c, ns := kube(t)
	ctx := context.Background()
	prefix := `FlinkDeployment.flink.apache.org "job" is invalid: `
	// A schema error makes the API server skip the CEL rules, and it says so.
	schemaErr := func(msg string) string {
		return prefix + "[" + msg + ", <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"
	}
	cases := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"name too long", func(m map[string]any) { at(m, "metadata")["name"] = strings.Repeat("a", 46) },
			`FlinkDeployment.flink.apache.org "` + strings.Repeat("a", 46) + `" is invalid: <nil>: Invalid value: "object": metadata.name must be at most 45 characters: Flink derives longer object names from it`},
		{"name with a dot", func(m map[string]any) { at(m, "metadata")["name"] = "job.v2" },
			`FlinkDeployment.flink.apache.org "job.v2" is invalid: <nil>: Invalid value: "object": metadata.name must consist of lower-case letters, digits and '-', start with a letter and end with a letter or digit`},
		{"parallelism zero", func(m map[string]any) { at(m, "spec.job")["parallelism"] = 0 },
			prefix + `spec.job.parallelism: Invalid value: "object": spec.job.parallelism must be at least 1, unless spec.taskManager.replicas is set`},
		{"parallelism missing", func(m map[string]any) { delete(at(m, "spec.job"), "parallelism") },
			prefix + `spec.job.parallelism: Invalid value: "object": spec.job.parallelism must be at least 1, unless spec.taskManager.replicas is set`},
		{"parallelism negative", func(m map[string]any) {
			at(m, "spec.job")["parallelism"] = -1
			at(m, "spec.taskManager")["replicas"] = 2
		}, prefix + `spec.job.parallelism: Invalid value: -1: spec.job.parallelism in body should be greater than or equal to 0`},
		{"task manager replicas zero", func(m map[string]any) { at(m, "spec.taskManager")["replicas"] = 0 },
			prefix + `spec.taskManager.replicas: Invalid value: 0: spec.taskManager.replicas in body should be greater than or equal to 1`},
		{"job manager replicas zero", func(m map[string]any) { at(m, "spec.jobManager")["replicas"] = 0 },
			prefix + `spec.jobManager.replicas: Invalid value: 0: spec.jobManager.replicas in body should be greater than or equal to 1`},
		{"cpu zero", func(m map[string]any) { at(m, "spec.jobManager.resource")["cpu"] = 0 },
			prefix + `spec.jobManager.resource.cpu: Invalid value: 0: spec.jobManager.resource.cpu in body should be greater than 0`},
		{"unknown flink version", func(m map[string]any) { at(m, "spec")["flinkVersion"] = "v1_99" },
			schemaErr(`spec.flinkVersion: Unsupported value: "v1_99": supported values: "v1_11", "v1_12", "v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20", "v2_0", "v2_1", "v2_2", "v2_3", "v2_4"`)},
		{"flink version missing", func(m map[string]any) { delete(at(m, "spec"), "flinkVersion") },
			schemaErr(`spec.flinkVersion: Required value`)},
		{"image missing", func(m map[string]any) { delete(at(m, "spec"), "image") },
			schemaErr(`spec.image: Required value`)},
		{"image empty", func(m map[string]any) { at(m, "spec")["image"] = "" },
			prefix + `spec.image: Invalid value: "": spec.image in body should be at least 1 chars long`},
		{"service account missing", func(m map[string]any) { delete(at(m, "spec"), "serviceAccount") },
			schemaErr(`spec.serviceAccount: Required value`)},
		{"unknown mode", func(m map[string]any) { at(m, "spec")["mode"] = "hybrid" },
			schemaErr(`spec.mode: Unsupported value: "hybrid": supported values: "native", "standalone"`)},
		{"unknown pull policy", func(m map[string]any) { at(m, "spec")["imagePullPolicy"] = "Sometimes" },
			schemaErr(`spec.imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "IfNotPresent"`)},
		{"unknown upgrade mode", func(m map[string]any) { at(m, "spec.job")["upgradeMode"] = "last_state" },
			schemaErr(`spec.job.upgradeMode: Unsupported value: "last_state": supported values: "stateless", "savepoint", "last-state"`)},
		{"unknown job state", func(m map[string]any) { at(m, "spec.job")["state"] = "paused" },
			schemaErr(`spec.job.state: Unsupported value: "paused": supported values: "running", "suspended"`)},
		{"jar scheme", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "ftp://repo/job.jar" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI must start with local://, file://, https://, http://, s3:// or gs://`},
		{"log file name", func(m map[string]any) { at(m, "spec.logConfiguration")["log4j.properties"] = "x" },
			prefix + `spec.logConfiguration: Invalid value: "object": spec.logConfiguration may only hold log4j-console.properties and logback-console.xml`},
		{"ingress without template", func(m map[string]any) { at(m, "spec.ingress")["className"] = "nginx" },
			schemaErr(`spec.ingress.template: Required value`)},
		// Rules that repeat the webhook's checks on typed fields, with its meaning.
		{"native mode on Flink 1.12", func(m map[string]any) { at(m, "spec")["flinkVersion"] = "v1_12" },
			prefix + `spec.flinkVersion: Invalid value: "object": native mode needs v1_13 or newer (Flink's TaskManager pod templates arrived in 1.13); run Flink 1.11 and 1.12 in mode: standalone`},
		{"native job without jar", func(m map[string]any) { delete(at(m, "spec.job"), "jarURI") },
			prefix + `spec.job.jarURI: Invalid value: "object": spec.job.jarURI is required in native mode, for example local:///opt/flink/usrlib/job.jar: native mode deploys exactly one jar (Flink's pipeline.jars); mode: standalone can run a jar already in the image's usrlib or classpath`},
		{"image jar with two slashes", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "local://opt/flink/usrlib/job.jar" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI must name a file in the image by its absolute path, with three slashes: local:///opt/flink/usrlib/job.jar`},
		{"image jar folder", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "file:///opt/flink/usrlib/" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI must name a file in the image by its absolute path, with three slashes: local:///opt/flink/usrlib/job.jar`},
		{"bucket without a file", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "s3://bucket" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI needs a host (https) or bucket (s3, gs) and must name a file, not a folder, for example s3://bucket/jobs/job.jar`},
		{"https without host", func(m map[string]any) { at(m, "spec.job")["jarURI"] = "https:///jobs/job.jar" },
			prefix + `spec.job.jarURI: Invalid value: "string": spec.job.jarURI needs a host (https) or bucket (s3, gs) and must name a file, not a folder, for example s3://bucket/jobs/job.jar`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Create(ctx, object(t, validSpec, ns, tc.edit))
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
	// The valid spec itself, and parallelism left to taskManager.replicas.
	require.NoError(t, c.Create(ctx, object(t, validSpec, ns, nil)))
	require.NoError(t, c.Create(ctx, object(t, validSpec, ns, func(m map[string]any) {
		at(m, "metadata")["name"] = "by-replicas"
		delete(at(m, "spec.job"), "parallelism")
		at(m, "spec.taskManager")["replicas"] = 2
	})))
	// What the webhook accepts, the rules above accept too: standalone mode
	// runs Flink 1.12 and may leave the jar to the image, a pre-signed URL
	// may hold '@' after the host, and an upper-case scheme is a scheme.
	for name, edit := range map[string]func(map[string]any){
		"standalone-old": func(m map[string]any) {
			at(m, "spec")["mode"] = "standalone"
			at(m, "spec")["flinkVersion"] = "v1_12"
			delete(at(m, "spec.job"), "jarURI")
		},
		"presigned": func(m map[string]any) {
			at(m, "spec.job")["jarURI"] = "https://repo.example.com/jobs/job.jar?X-Amz-Credential=a@b&X-Amz-Signature=c"
		},
		"bucket-jar":   func(m map[string]any) { at(m, "spec.job")["jarURI"] = "GS://bucket/jobs/job.jar" },
		"image-folder": func(m map[string]any) { at(m, "spec.job")["jarURI"] = "local:///opt/flink/usrlib/job.jar#main" },
	} {
		require.NoError(t, c.Create(ctx, object(t, validSpec, ns, func(m map[string]any) {
			at(m, "metadata")["name"] = name
			edit(m)
		})), name)
	}
}

// TestCRDNativeModeVersionsMatchTheTable checks the CRD's list of Flink
// versions native mode refuses against the version table the webhook and
// the renderer read, so that a new version row cannot leave them apart.
func TestCRDNativeModeVersionsMatchTheTable(t *testing.T) {
	c, ns := kube(t)
	for _, v := range v1beta1.SupportedFlinkVersions {
		facts, ok := versions.For(v)
		require.True(t, ok, "no version table row for %s", v)
		err := c.Create(context.Background(), object(t, validSpec, ns, func(m map[string]any) {
			at(m, "metadata")["name"] = "native-" + strings.ReplaceAll(string(v), "_", "-")
			at(m, "spec")["flinkVersion"] = string(v)
		}))
		if facts.NativeMode {
			assert.NoError(t, err, "native mode on %s", v)
		} else if assert.Error(t, err, "native mode on %s", v) {
			assert.Contains(t, err.Error(), "native mode needs v1_13 or newer")
		}
	}
}

// deployed records a lastReconciledSpec in status, as the operator does
// after its first deployment.
func deployed(t *testing.T, c client.Client, u *unstructured.Unstructured) {
	t.Helper()
	spec, _, err := unstructured.NestedMap(u.Object, "spec")
	require.NoError(t, err)
	raw := fmt.Sprintf(`{"spec":%s,"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":true}}`, mustJSON(t, spec))
	require.NoError(t, unstructured.SetNestedField(u.Object, raw, "status", "reconciliationStatus", "lastReconciledSpec"))
	require.NoError(t, unstructured.SetNestedField(u.Object, "STABLE", "status", "lifecycleState"))
	require.NoError(t, c.Status().Update(context.Background(), u))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{"v": v}}
	b, err := u.MarshalJSON()
	require.NoError(t, err)
	return strings.TrimSuffix(strings.TrimPrefix(string(b), `{"v":`), "}")
}

func TestCRDTransitionRules(t *testing.T) {
	c, ns := kube(t)
	ctx := context.Background()
	modeMsg := `FlinkDeployment.flink.apache.org "job" is invalid: spec.mode: Invalid value: "object": spec.mode cannot change after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again`
	jobMsg := `FlinkDeployment.flink.apache.org "job" is invalid: spec.job: Invalid value: "object": spec.job cannot be added or removed after the first deployment (a session cluster cannot become an application cluster, nor the reverse): create a new FlinkDeployment`

	// Before the first deployment everything may change, including mode
	// and cluster type, and the fields may be set at creation.
	u := object(t, validSpec, ns, func(m map[string]any) { at(m, "spec")["mode"] = "native" })
	require.NoError(t, c.Create(ctx, u))
	require.NoError(t, unstructured.SetNestedField(u.Object, "standalone", "spec", "mode"))
	require.NoError(t, c.Update(ctx, u))
	unstructured.RemoveNestedField(u.Object, "spec", "job")
	require.NoError(t, c.Update(ctx, u))
	require.NoError(t, unstructured.SetNestedMap(u.Object, map[string]any{"jarURI": "local:///opt/flink/usrlib/job.jar", "parallelism": int64(2)}, "spec", "job"))
	require.NoError(t, c.Update(ctx, u))

	// Once deployed, status and metadata updates (finalizers) still pass...
	deployed(t, c, u)
	u.SetFinalizers([]string{"flink.apache.org/finalizer"})
	require.NoError(t, c.Update(ctx, u))
	require.NoError(t, unstructured.SetNestedField(u.Object, "DEPLOYED", "status", "lifecycleState"))
	require.NoError(t, c.Status().Update(ctx, u))
	// ...ordinary spec edits pass...
	require.NoError(t, unstructured.SetNestedField(u.Object, "flink:1.20.1", "spec", "image"))
	require.NoError(t, c.Update(ctx, u))

	// ...but mode and cluster type are fixed.
	changed := u.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(changed.Object, "native", "spec", "mode"))
	err := c.Update(ctx, changed)
	require.Error(t, err)
	assert.Equal(t, modeMsg, err.Error())
	changed = u.DeepCopy()
	unstructured.RemoveNestedField(changed.Object, "spec", "mode")
	err = c.Update(ctx, changed)
	require.Error(t, err, "an absent mode is native, which is a change from standalone")
	assert.Equal(t, modeMsg, err.Error())
	changed = u.DeepCopy()
	unstructured.RemoveNestedField(changed.Object, "spec", "job")
	err = c.Update(ctx, changed)
	require.Error(t, err)
	assert.Equal(t, jobMsg, err.Error())

	// A new savepointRedeployNonce needs a savepoint to redeploy from.
	changed = u.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(changed.Object, int64(1), "spec", "job", "savepointRedeployNonce"))
	err = c.Update(ctx, changed)
	require.Error(t, err)
	assert.Equal(t, `FlinkDeployment.flink.apache.org "job" is invalid: spec.job.initialSavepointPath: Invalid value: "object": a new spec.job.savepointRedeployNonce redeploys from spec.job.initialSavepointPath, which is empty: set it`, err.Error())
	require.NoError(t, unstructured.SetNestedField(changed.Object, "s3://flink/savepoints/sp-1", "spec", "job", "initialSavepointPath"))
	require.NoError(t, c.Update(ctx, changed))

	// Deletion with the finalizer: the finalizer removal is an update that
	// must pass, and then the object is gone.
	require.NoError(t, c.Delete(ctx, changed))
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(changed), changed))
	changed.SetFinalizers(nil)
	require.NoError(t, c.Update(ctx, changed))
	err = c.Get(ctx, client.ObjectKeyFromObject(changed), changed)
	assert.True(t, client.IgnoreNotFound(err) == nil && err != nil, "deleted: %v", err)
}

// TestCRDTransitionRulesAllowCanaries: a canary has no spec; its status
// and metadata updates must pass the transition rules all the same.
func TestCRDTransitionRulesAllowCanaries(t *testing.T) {
	c, ns := kube(t)
	ctx := context.Background()
	u := object(t, "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata:\n  name: canary\n  labels: {flink.apache.org/canary: \"true\"}\n", ns, nil)
	require.NoError(t, c.Create(ctx, u))
	require.NoError(t, unstructured.SetNestedField(u.Object, `{"spec":{},"resource_metadata":{}}`, "status", "reconciliationStatus", "lastReconciledSpec"))
	require.NoError(t, c.Status().Update(ctx, u))
	u.SetFinalizers([]string{"flink.apache.org/finalizer"})
	require.NoError(t, c.Update(ctx, u))
	u.SetFinalizers(nil)
	require.NoError(t, c.Update(ctx, u))
}

// TestCRDAcceptsEveryKnownGoodManifest creates (server-side dry run) every
// FlinkDeployment the renderer accepts, and every FlinkSessionJob among
// them: the golden inputs, the examples and the reference operator's
// examples. A schema rule that refused one of them
// would break manifests people already have. The reference's examples are
// kept beside the repository (internal/testing/corpus): without them the
// test skips on a developer's clone and fails in CI (CI=true).
func TestCRDAcceptsEveryKnownGoodManifest(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	compat := corpus.Files(t, root, os.Getenv("CI"))
	c, ns := kube(t)
	files := append(globAll(t, filepath.Join(root, "golden", "*", "input.yaml"), filepath.Join(root, "examples", "*.yaml")), compat...)
	checked := map[string]int{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var m map[string]any
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else {
				require.NoError(t, err, file)
			}
			if m["kind"] != v1beta1.KindFlinkDeployment && m["kind"] != v1beta1.KindFlinkSessionJob {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			u.SetNamespace(ns)
			assert.NoError(t, c.Create(context.Background(), u, client.DryRunAll), "%s: %s", file, u.GetName())
			checked[u.GetKind()]++
		}
	}
	assert.Greater(t, checked[v1beta1.KindFlinkDeployment], 40, "too few manifests found; is the compatibility corpus beside the repository?")
	// basic-session-deployment-and-job.yaml (2), basic-session-job-only.yaml
	// and the TLS example's session job.
	assert.GreaterOrEqual(t, checked[v1beta1.KindFlinkSessionJob], 4, "the corpus's FlinkSessionJobs")
}

func globAll(t *testing.T, patterns ...string) []string {
	t.Helper()
	var out []string
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		require.NoError(t, err)
		require.NotEmpty(t, files, "nothing matches %s", p)
		out = append(out, files...)
	}
	return out
}
