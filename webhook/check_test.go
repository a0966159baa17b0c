package webhook

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const goodYAML = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: job
  namespace: analytics
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

// object is goodYAML as the API server sends it (JSON), after edit.
func object(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(goodYAML), &m))
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func stored(t *testing.T, raw []byte) *v1beta1.FlinkDeployment {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, json.Unmarshal(raw, fd))
	return fd
}

func at(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	return m
}

func texts(problems []Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.String())
	}
	return out
}

func TestCheckCreate(t *testing.T) {
	v := NewValidator(Options{})
	assert.Empty(t, v.Check(object(t, nil), nil, "analytics"))

	cases := []struct {
		name string
		edit func(m map[string]any)
		want []string
	}{
		{"typo in a pod template, which the API server keeps", func(m map[string]any) {
			at(m, "spec")["podTemplate"] = map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "flink-main-container", "imagee": "x"}}}}
		}, []string{`spec.podTemplate.spec.containers[0].imagee: unknown field; did you mean "image"?`}},
		{"every rule, every problem", func(m map[string]any) {
			at(m, "spec")["flinkConfiguration"] = map[string]any{"kubernetes.cluster-id": "x", "high-availability.type": "kubernetes"}
			at(m, "spec", "job")["upgradeMode"] = "last-state"
			at(m, "spec", "jobManager", "resource")["memory"] = "lots"
		}, []string{
			`spec.flinkConfiguration[kubernetes.cluster-id]: Forbidden: is set by the operator from metadata.name and metadata.namespace; remove it`,
			`spec.flinkConfiguration[high-availability.storageDir]: Required value: high availability (high-availability.type: kubernetes) keeps JobManager metadata in this directory and Flink does not start without it; for example s3://bucket/flink/ha`,
			`spec.flinkConfiguration[execution.checkpointing.dir]: Required value: upgradeMode last-state needs a checkpoint directory: set execution.checkpointing.dir (or its older name state.checkpoints.dir)`,
			`spec.jobManager.resource.memory: Invalid value: "lots": "lots" is neither a Flink memory size (such as 2048m or 2g) nor a Kubernetes quantity (such as 2Gi)`,
		}},
		{"configuration keys that cannot be flattened, each by key", func(m map[string]any) {
			at(m, "spec")["flinkConfiguration"] = map[string]any{"a": nil, "b.c": 1, "b": map[string]any{"c": 2}}
		}, []string{
			`spec.flinkConfiguration[a]: Invalid value: null: value is null; give a string, number or boolean, or remove the key`,
			`spec.flinkConfiguration[b.c]: Invalid value: "1": the key is given twice, flat and nested (a.b: x and a: {b: x}); keep one`,
		}},
		{"http jar without the operator's permission", func(m map[string]any) {
			at(m, "spec", "job")["jarURI"] = "http://repo.example.com/job.jar"
		}, []string{`spec.job.jarURI: Invalid value: "http://repo.example.com/job.jar": http:// is not allowed by this operator (a jar fetched without TLS can be replaced on the way): use https://, or run the operator with --allow-http-artifacts; allowed: local://, file://, https://, s3://, gs://`}},
		{"not a FlinkDeployment", func(m map[string]any) { m["kind"] = "FlinkSessionJob" },
			[]string{`kind: kind FlinkSessionJob is not supported yet; only FlinkDeployment is`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, texts(v.Check(object(t, c.edit), nil, "analytics")))
		})
	}
}

func TestCheckUsesOperatorRenderContext(t *testing.T) {
	raw := object(t, func(m map[string]any) { at(m, "spec", "job")["jarURI"] = "http://repo.example.com/job.jar" })
	v := NewValidator(Options{RenderContext: renderer.RenderContext{AllowHTTPArtifacts: true}})
	assert.Empty(t, v.Check(raw, nil, "analytics"))
}

func TestCheckNamespaceFromRequest(t *testing.T) {
	raw := object(t, func(m map[string]any) { delete(at(m, "metadata"), "namespace") })
	assert.Empty(t, NewValidator(Options{}).Check(raw, nil, "analytics"))
	assert.Equal(t, []string{"metadata.namespace: Required value"}, texts(NewValidator(Options{}).Check(raw, nil, "")))
}

func TestCheckSkipsCanaries(t *testing.T) {
	raw := []byte(`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"canary","namespace":"a","labels":{"flink.apache.org/canary":"true"}}}`)
	assert.Empty(t, NewValidator(Options{}).Check(raw, nil, "a"))
}

func TestCheckUpdate(t *testing.T) {
	v := NewValidator(Options{})
	// A stored object that today's rules refuse (created before them).
	invalid := object(t, func(m map[string]any) { at(m, "spec", "job")["parallelism"] = 0 })
	old := stored(t, invalid)

	t.Run("metadata-only update of an invalid object passes", func(t *testing.T) {
		next := object(t, func(m map[string]any) {
			at(m, "spec", "job")["parallelism"] = 0
			at(m, "metadata")["finalizers"] = []any{"flink.apache.org/finalizer"}
		})
		assert.Empty(t, v.Check(next, old, "analytics"))
	})
	t.Run("configuration in another key order is the same spec", func(t *testing.T) {
		cfgOld := stored(t, object(t, func(m map[string]any) {
			at(m, "spec", "job")["parallelism"] = 0
			at(m, "spec")["flinkConfiguration"] = map[string]any{"a": "1", "b": "2"}
		}))
		cfgOld.Spec.FlinkConfiguration.Raw = []byte(`{"b":"2","a":"1"}`)
		next := object(t, func(m map[string]any) {
			at(m, "spec", "job")["parallelism"] = 0
			at(m, "spec")["flinkConfiguration"] = map[string]any{"a": "1", "b": "2"}
		})
		assert.Empty(t, v.Check(next, cfgOld, "analytics"))
	})
	t.Run("finalizer removal while deleting passes", func(t *testing.T) {
		deleting := old.DeepCopy()
		deleting.DeletionTimestamp = &metav1.Time{}
		next := object(t, func(m map[string]any) {
			at(m, "spec", "job")["parallelism"] = 0
			at(m, "metadata")["deletionTimestamp"] = "2025-01-01T00:00:00Z"
		})
		assert.Empty(t, v.Check(next, deleting, "analytics"))
	})
	t.Run("a spec edit is checked", func(t *testing.T) {
		next := object(t, func(m map[string]any) {
			at(m, "spec", "job")["parallelism"] = 0
			at(m, "spec")["image"] = "flink:1.20.1"
		})
		assert.Equal(t, []string{"spec.job.parallelism: Invalid value: 0: must be at least 1 (or set spec.taskManager.replicas)"}, texts(v.Check(next, old, "analytics")))
	})

	// Transitions are checked against the last deployed spec in status.
	deployed := stored(t, object(t, func(m map[string]any) {
		at(m, "spec", "job")["state"] = "suspended"
		at(m, "spec", "job")["upgradeMode"] = "last-state"
		at(m, "spec")["flinkConfiguration"] = map[string]any{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha", "execution.checkpointing.dir": "s3://b/cp"}
	}))
	last, err := json.Marshal(map[string]any{"spec": deployed.Spec})
	require.NoError(t, err)
	deployed.Status.ReconciliationStatus.LastReconciledSpec = string(last)
	t.Run("transition rules against lastReconciledSpec", func(t *testing.T) {
		next := object(t, func(m map[string]any) {
			at(m, "spec", "job")["state"] = "suspended"
			at(m, "spec", "job")["upgradeMode"] = "last-state"
			at(m, "spec")["flinkConfiguration"] = map[string]any{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha", "execution.checkpointing.dir": "s3://b/cp"}
			at(m, "spec")["flinkVersion"] = "v2_0"
			at(m, "spec")["mode"] = "standalone"
		})
		assert.Equal(t, []string{
			`spec.mode: Invalid value: "standalone": cannot change from native after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again`,
			`spec.flinkVersion: Invalid value: "v2_0": cannot change from v1_20 while the job is suspended with upgradeMode last-state: its state is in high availability metadata of the old version; resume it on v1_20 and change the version with upgradeMode savepoint, or set upgradeMode stateless to start without state`,
		}, texts(v.Check(next, deployed, "analytics")))
	})
	t.Run("unreadable status does not block edits", func(t *testing.T) {
		broken := deployed.DeepCopy()
		broken.Status.ReconciliationStatus.LastReconciledSpec = "{"
		next := object(t, func(m map[string]any) { at(m, "spec")["mode"] = "standalone" })
		assert.Empty(t, v.Check(next, broken, "analytics"))
	})
}
