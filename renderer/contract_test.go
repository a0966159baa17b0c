package renderer

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The templates declare their input open (templates/<mode>/input.cue) and
// trust Go to fill it with a schemas.#Input, so that renders do not pay for
// checking it. These tests hold Go to that contract: the Go types mirror the
// schema field for field, and every input built from the golden cases and
// examples, under every kind of RenderContext, meets it.

// schemaDefinition returns a definition of the schemas package (#Input,
// #Ingress).
func schemaDefinition(t *testing.T, name string) cue.Value {
	t.Helper()
	require.NoError(t, checkedTemplates.load())
	pkg, err := checkedTemplates.buildPackage("./schemas")
	require.NoError(t, err)
	def := pkg.LookupPath(cue.MakePath(cue.Def(name)))
	require.True(t, def.Exists(), "schemas/input.cue has no %s", name)
	return def
}

// cueFieldPaths lists the regular and optional fields of a CUE struct,
// descending into structs except those named in opaque.
func cueFieldPaths(t *testing.T, v cue.Value, prefix string, opaque []string, into map[string]bool) {
	t.Helper()
	iter, err := v.Fields(cue.Optional(true))
	require.NoError(t, err)
	for iter.Next() {
		path := prefix + iter.Selector().Unquoted()
		into[path] = true
		field := iter.Value()
		if field.IncompleteKind() == cue.StructKind && !slices.Contains(opaque, path) {
			cueFieldPaths(t, field, path+".", opaque, into)
		}
	}
}

// goFieldPaths lists the JSON fields of a Go type the same way.
func goFieldPaths(typ reflect.Type, prefix string, opaque []string, into map[string]bool) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		path := prefix + name
		into[path] = true
		ft := typ.Field(i).Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && !slices.Contains(opaque, path) {
			goFieldPaths(ft, path+".", opaque, into)
		}
	}
}

func TestInputTypesMirrorSchema(t *testing.T) {
	for _, tc := range []struct {
		definition string
		goType     reflect.Type
		// opaque fields are compared by name only: #Input.ingress is open
		// (the Ingress template checks it as #Ingress), and logConfiguration
		// is a Go map whose keys the schema lists.
		opaque []string
	}{
		{"#Input", reflect.TypeFor[templateInput](), []string{"ingress", "logConfiguration"}},
		{"#Ingress", reflect.TypeFor[ingressInput](), nil},
	} {
		t.Run(tc.definition, func(t *testing.T) {
			fromCUE, fromGo := map[string]bool{}, map[string]bool{}
			cueFieldPaths(t, schemaDefinition(t, tc.definition), "", tc.opaque, fromCUE)
			goFieldPaths(tc.goType, "", tc.opaque, fromGo)
			assert.Equal(t, fromCUE, fromGo, "the fields of %s (schemas/input.cue) and of %s (renderer/contract.go) must be the same", tc.definition, tc.goType)
		})
	}
}

// contractCorpus is every FlinkDeployment of the golden cases and examples.
func contractCorpus(t *testing.T) map[string]*v1beta1.FlinkDeployment {
	t.Helper()
	goldenInputs, err := filepath.Glob("../golden/*/input.yaml")
	require.NoError(t, err)
	examples, err := filepath.Glob("../examples/*.yaml")
	require.NoError(t, err)
	files := append(goldenInputs, examples...)
	require.Greater(t, len(files), 20, "golden cases and examples not found")

	corpus := map[string]*v1beta1.FlinkDeployment{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		docs, errs := decode.File(file, data)
		require.Empty(t, errs, file)
		for _, doc := range docs {
			if doc.Object.Namespace == "" {
				// As the golden test renders them (flink-render's default).
				doc.Object.Namespace = "default"
			}
			corpus[file+"#"+doc.Object.Name] = doc.Object
		}
	}
	return corpus
}

// renderContexts are the decisions the operator makes, each of which puts
// different fields into the input.
var renderContexts = map[string]RenderContext{
	"fresh deploy": {},
	"restore":      {RestorePath: "s3://savepoints/savepoint-1", JobID: "0123456789abcdef0123456789abcdef"},
	"start empty":  {StartEmpty: true},
	"suspended":    {DesiredState: v1beta1.JobStateSuspended},
	"http allowed": {AllowHTTPArtifacts: true},
}

func TestEveryInputMeetsSchema(t *testing.T) {
	inputSchema := schemaDefinition(t, "#Input")
	ingressSchema := schemaDefinition(t, "#Ingress")
	checked := 0
	for name, fd := range contractCorpus(t) {
		if v1beta1.IsCanary(fd) {
			continue
		}
		for rcName, rc := range renderContexts {
			p, err := prepare(fd, rc)
			require.NoError(t, err, "%s (%s)", name, rcName)
			assert.NoError(t, meetsSchema(inputSchema, p.input), "%s (%s)", name, rcName)
			if p.input.Ingress != nil {
				assert.NoError(t, meetsSchema(ingressSchema, p.input.Ingress), "%s (%s): ingress", name, rcName)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 100)
}

// The check above can fail: inputs that break the schema are caught.
func TestSchemaCatchesBrokenInput(t *testing.T) {
	inputSchema := schemaDefinition(t, "#Input")
	p, err := prepare(loadExample(t, "../examples/basic.yaml"), RenderContext{})
	require.NoError(t, err)
	require.NoError(t, meetsSchema(inputSchema, p.input))

	for name, breakIt := range map[string]func(in *templateInput){
		"name not a DNS label":      func(in *templateInput) { in.Name = "Basic_Example" },
		"parallelism zero":          func(in *templateInput) { in.Job.Parallelism = 0 },
		"unknown job state":         func(in *templateInput) { in.Job.State = "paused" },
		"job id not hex":            func(in *templateInput) { in.Job.JobID = "not-a-job-id" },
		"no task slots":             func(in *templateInput) { in.TaskSlots = 0 },
		"unknown image pull policy": func(in *templateInput) { in.ImagePullPolicy = "Sometimes" },
	} {
		t.Run(name, func(t *testing.T) {
			broken := *p.input
			job := *p.input.Job
			broken.Job = &job
			breakIt(&broken)
			assert.Error(t, meetsSchema(inputSchema, &broken))
		})
	}
}

// meetsSchema checks a Go value against a closed CUE definition, the way
// templates declared as schemas.#Input would on every render.
func meetsSchema(schema cue.Value, goValue any) error {
	return schema.Unify(schema.Context().Encode(goValue)).Validate(cue.Concrete(true))
}

// A template whose output is incomplete or conflicting is an error naming
// the value, never objects with holes: cue.Value.Decode would turn a value
// that is not concrete inside a list or map into nil (decode.go).
func TestIncompleteOutputIsAnError(t *testing.T) {
	require.NoError(t, templates.load())
	const flinkConfig = `flinkConfig: {configMap: "c", file: "f", format: "flat", defaults: {}, overrides: {}}`
	for name, tc := range map[string]struct{ src, mentions string }{
		"incomplete": {`input: _, output: objects: [{kind: "ConfigMap", data: input.missing}]`, "output.objects.0.data"},
		"conflicting": {`input: _, output: objects: [{kind: "ConfigMap", metadata: name: input.name & "other"}]`,
			"output.objects.0.metadata.name"},
		"incomplete in a list": {`input: _, output: objects: [{kind: "Deployment", spec: template: spec: containers: [{name: input.missing}]}]`,
			"output.objects.0.spec.template.spec.containers.0.name"},
		"a type, not a value":            {`input: _, output: objects: [{kind: "Deployment", spec: replicas: int}]`, "output.objects.0.spec.replicas"},
		"an object that is not a struct": {`input: _, output: objects: ["ConfigMap"]`, "output.objects[0]: want a struct"},
		"a configuration value that is not a string": {`input: _, output: {objects: [], ` + flinkConfig + `, flinkConfig: defaults: "parallelism.default": 2}`,
			`output.flinkConfig.defaults."parallelism.default"`},
		"no configuration": {`input: _, output: objects: []`, "output.flinkConfig: missing"},
	} {
		t.Run(name, func(t *testing.T) {
			tmpl := templates.ctx.CompileString(tc.src)
			require.NoError(t, tmpl.Err())
			_, err := evaluate(tmpl, &templateInput{Name: "basic"}, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "evaluate template")
			assert.Contains(t, err.Error(), tc.mentions)
		})
	}
}

// The output decodes into the types unstructured objects hold, with a
// default taken for a disjunction.
func TestOutputDecodesToUnstructuredTypes(t *testing.T) {
	require.NoError(t, templates.load())
	tmpl := templates.ctx.CompileString(`input: _, output: {
	objects: [{kind: "ConfigMap", metadata: name: input.name, data: {a: *"default" | string}, n: 3, f: 1.5, b: true, z: null, l: [1, "x"], e: {}}]
	flinkConfig: {configMap: "c", file: "f", format: "flat", defaults: {"k": "v"}, overrides: {}}
}`)
	require.NoError(t, tmpl.Err())
	out, err := evaluate(tmpl, &templateInput{Name: "basic"}, nil)
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{
		"kind": "ConfigMap", "metadata": map[string]any{"name": "basic"}, "data": map[string]any{"a": "default"},
		"n": int64(3), "f": 1.5, "b": true, "z": nil, "l": []any{int64(1), "x"}, "e": map[string]any{},
	}}, out.Objects)
	assert.Equal(t, flinkConfigPlan{ConfigMap: "c", File: "f", Format: "flat", Defaults: map[string]string{"k": "v"}, Overrides: map[string]string{}}, out.FlinkConfig)
	assert.Nil(t, out.PodTemplates.TaskManager)
}

// The CUE paths Go uses are package-level values (contract.go), each
// checked here: it parses, and the paths every template has exist in each
// mode's template. (The optional ones, artifact and the output parts
// podTemplates.taskManager and decorations, are checked by the tests that
// render them.)
func TestContractPathsExist(t *testing.T) {
	for _, p := range contractPaths {
		require.NoError(t, p.Err(), "%s", p)
	}
	for mode := range modePackages {
		tmpl, err := templates.get(templateKey{mode: mode, version: "v1_20"})
		require.NoError(t, err, mode)
		for _, p := range []cue.Path{pathInput, pathVersion, pathOutput} {
			assert.True(t, tmpl.LookupPath(p).Exists(), "the %s template has no %s", mode, p)
		}
	}
}
