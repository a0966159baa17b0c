package decode

import (
	"strings"
	"testing"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const good = `apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: a
spec:
  flinkVersion: v1_20
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
    high-availability:
      type: kubernetes
      storageDir: s3://x
  job:
    jarURI: local:///x.jar
`

func messages(errs []*Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestDecodesMultipleDocuments(t *testing.T) {
	docs, errs := File("in.yaml", []byte(good+"---\n# only a comment\n---\n"+good))
	require.Empty(t, errs)
	require.Len(t, docs, 2)
	assert.Equal(t, "a", docs[1].Object.Name)
	assert.Equal(t, 1, docs[0].Line)
	assert.Equal(t, 17, docs[1].Line)
}

func TestUnknownFieldSuggestsClosest(t *testing.T) {
	docs, errs := File("in.yaml", []byte(`apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: a}
spec:
  jobmanager:
    replicas: 1
  job:
    jarUri: local:///x.jar
    paralelism: 2
`))
	assert.Equal(t, []string{
		`in.yaml:5: spec.jobmanager: unknown field; did you mean "jobManager"?`,
		`in.yaml:8: spec.job.jarUri: unknown field; did you mean "jarURI"?`,
		`in.yaml:9: spec.job.paralelism: unknown field; did you mean "parallelism"?`,
	}, messages(errs))
	require.Len(t, docs, 1)
	assert.NotNil(t, docs[0].Object, "the rest of the document still decodes so its other problems can be reported")
}

func TestTypeErrorNamesField(t *testing.T) {
	_, errs := File("in.yaml", []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: a}\nspec:\n  job:\n    parallelism: two\n"))
	assert.Equal(t, []string{"in.yaml:6: spec.job.parallelism: cannot use a string here; expected an integer"}, messages(errs))
}

func TestDuplicateField(t *testing.T) {
	_, errs := File("in.yaml", []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: a}\nspec:\n  image: a\n  image: b\n"))
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "in.yaml:")
	assert.Contains(t, errs[0].Error(), "image")
}

func TestMalformedYAMLHasLine(t *testing.T) {
	_, errs := File("broken.yaml", []byte("apiVersion: v1\nkind: [\n"))
	require.Len(t, errs, 1)
	assert.Regexp(t, `^broken.yaml:\d+: invalid YAML: `, errs[0].Error())
}

func TestUnsupportedKinds(t *testing.T) {
	_, errs := File("in.yaml", []byte(`apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
---
apiVersion: flink.apache.org/v1
kind: FlinkDeployment
metadata: {name: c}
---
- just a list
`))
	assert.Equal(t, []string{
		"in.yaml:2: kind: kind FlinkSessionJob is not supported yet; only FlinkDeployment is",
		"in.yaml:6: kind: kind ConfigMap (v1) is not supported; only FlinkDeployment (flink.apache.org/v1beta1) is",
		`in.yaml:9: apiVersion: "flink.apache.org/v1" is not supported for FlinkDeployment; use flink.apache.org/v1beta1`,
		"in.yaml:13: document is not a Kubernetes object (expected a YAML mapping with apiVersion and kind)",
	}, messages(errs))
}

func TestLineOf(t *testing.T) {
	docs, errs := File("in.yaml", []byte(good))
	require.Empty(t, errs)
	d := docs[0]
	assert.Equal(t, 6, d.LineOf("spec.flinkVersion"))
	assert.Equal(t, 8, d.LineOf("spec.flinkConfiguration.taskmanager.numberOfTaskSlots"))
	assert.Equal(t, 11, d.LineOf("spec.flinkConfiguration.high-availability.storageDir"))
	assert.Equal(t, 8, d.LineOf("spec.flinkConfiguration[taskmanager.numberOfTaskSlots]"))
	assert.Equal(t, 12, d.LineOf("spec.job.parallelism"), "a missing field points at its parent")
	assert.Equal(t, 4, d.LineOf("metadata.name"))
}

func FuzzFile(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("a: [\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nspec: {flinkConfiguration: 3}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, errs := File("fuzz.yaml", data)
		for _, d := range docs {
			_ = d.LineOf("spec.job.parallelism")
		}
		for _, e := range errs {
			if e.Error() == "" {
				t.Fatal("empty error message")
			}
		}
	})
}

func TestDuplicateKeyNamesPathAndBothLines(t *testing.T) {
	_, errs := File("in.yaml", []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: a}\nspec:\n  flinkConfiguration:\n    a.b: 1\n    a.b: 2\n  podTemplate:\n    spec:\n      containers:\n        - name: x\n          name: y\n"))
	assert.Equal(t, []string{
		"in.yaml:7: spec.flinkConfiguration.a.b: field is given more than once (first on line 6)",
		"in.yaml:12: spec.podTemplate.spec.containers[0].name: field is given more than once (first on line 11)",
	}, messages(errs))
}

func TestFlinkConfigurationMustBeAMapping(t *testing.T) {
	_, errs := File("in.yaml", []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: a}\nspec:\n  flinkConfiguration: parallelism.default=2\n"))
	assert.Equal(t, []string{"in.yaml:5: spec.flinkConfiguration: cannot use a string here; expected a mapping of Flink configuration keys to values (flat a.b: v or nested a: {b: v})"}, messages(errs))
}

func TestNoSuggestionWhenNothingIsClose(t *testing.T) {
	_, errs := File("in.yaml", []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: a}\nspec:\n  job:\n    replicaCount: 3\n"))
	assert.Equal(t, []string{"in.yaml:6: spec.job.replicaCount: unknown field; known fields here: allowNonRestoredState, args, autoscalerResetNonce, checkpointTriggerNonce, entryClass, initialSavepointPath, jarURI, parallelism, savepointRedeployNonce, savepointTriggerNonce, state, upgradeMode"}, messages(errs))
}

func TestObjectFromAPIServer(t *testing.T) {
	fd, errs := Object([]byte(`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"a","namespace":"ns","managedFields":[{"manager":"kubectl"}]},"spec":{"flinkVersion":"v1_20","podTemplate":{"spec":{"containers":[{"name":"flink-main-container","imagee":"x"}]}}},"status":{"lifecycleState":"STABLE"}}`))
	require.NotNil(t, fd)
	assert.Equal(t, "ns", fd.Namespace)
	assert.Equal(t, []string{`spec.podTemplate.spec.containers[0].imagee: unknown field; did you mean "image"?`}, messages(errs))

	fd, errs = Object([]byte(`{"apiVersion":"v1","kind":"ConfigMap"}`))
	assert.Nil(t, fd)
	assert.Equal(t, []string{"kind: kind ConfigMap (v1) is not supported; only FlinkDeployment (flink.apache.org/v1beta1) is"}, messages(errs))

	fd, errs = Object([]byte(``))
	assert.Nil(t, fd)
	assert.Equal(t, []string{"expected exactly one FlinkDeployment object"}, messages(errs))

	_, errs = Object([]byte(`{"apiVersion": `))
	require.Len(t, errs, 1)
	assert.Regexp(t, `^invalid YAML: `, errs[0].Error())
}

func TestEmptyFileIsAnError(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "---\n---\n"} {
		docs, errs := File("in.yaml", []byte(in))
		assert.Empty(t, docs)
		require.Len(t, errs, 1, "%q", in)
		assert.Equal(t, "in.yaml: holds no FlinkDeployment: the input is empty or only comments", errs[0].Error())
	}
}

func TestTypeErrorsDoNotHideEachOther(t *testing.T) {
	in := "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: x}\nspec:\n  flinkVersion: 1.20\n  image: flink\n  job:\n    parallelism: 2.5\n"
	docs, errs := File("in.yaml", []byte(in))
	require.Len(t, docs, 1)
	require.NotNil(t, docs[0].Object, "the rest of the document still decodes")
	assert.Equal(t, "flink", docs[0].Object.Spec.Image)
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		"in.yaml:5: spec.flinkVersion: cannot use the number 1.20 here; the version is a string such as v1_20 (v<major>_<minor>), one of " + supportedList(),
		"in.yaml:8: spec.job.parallelism: cannot use 2.5 here; expected an integer",
	}, got)
	assert.True(t, docs[0].Reported("spec.job.parallelism"))
	assert.False(t, docs[0].Reported("spec.job.jarURI"))
}

func supportedList() string {
	var names []string
	for _, v := range v1beta1.SupportedFlinkVersions {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}
