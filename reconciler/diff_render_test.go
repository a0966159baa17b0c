package reconciler

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// The test over every spec field (issue 15, story 6): whatever a spec
// change is, if it changes a rendered pod template of the JobManager or the
// TaskManagers, or the Flink configuration they read when they (re)start,
// the reconciler classes it UPGRADE or SAVEPOINT_REDEPLOY, so it goes
// through the upgrade gate and never restarts a stateful JobManager in
// place. The leaves of FlinkDeploymentSpec are found by reflection, so a
// new field is tested without anyone remembering to; a field no valid
// mutation reaches fails the test.

// fieldBases are the clusters each field is mutated on: native and
// standalone, application and session, reactive, with every optional
// field set ("rich") and with only what is required ("minimal").
var fieldBases = map[string]string{
	"native application rich":     richBase("native", true, ""),
	"native session rich":         richBase("native", false, ""),
	"standalone application rich": richBase("standalone", true, ""),
	"standalone session rich":     richBase("standalone", false, ""),
	"standalone reactive rich":    richBase("standalone", true, "    scheduler-mode: reactive\n"),
	"native application HA rich":  richBase("native", true, haKeys),
	"native application minimal":  minimalBase("native", true),
	"standalone application min.": minimalBase("standalone", true),
}

const haKeys = "    high-availability.type: kubernetes\n    high-availability.storageDir: s3://bucket/ha\n"

func richBase(mode string, application bool, extraConfig string) string {
	job := `
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    entryClass: org.example.Job
    args: ["--a", "b"]
    state: running
    upgradeMode: savepoint
    initialSavepointPath: s3://bucket/savepoints/initial
    allowNonRestoredState: false
    savepointTriggerNonce: 1
    checkpointTriggerNonce: 1
    savepointRedeployNonce: 1
    autoscalerResetNonce: 1`
	if !application {
		job = ""
	}
	return fmt.Sprintf(`
metadata: {name: f, namespace: ns, labels: {team: a}}
spec:
  mode: %s
  image: flink:1.20
  imagePullPolicy: IfNotPresent
  flinkVersion: v1_20
  serviceAccount: flink
  restartNonce: 1
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
    state.checkpoints.dir: s3://bucket/checkpoints
    state.savepoints.dir: s3://bucket/savepoints
    kubernetes.operator.savepoint.history.max.count: 3
%s  logConfiguration:
    log4j-console.properties: "rootLogger.level = INFO"
  ingress:
    template: "{{name}}.flink.example.com"
    className: nginx
    annotations: {a: b}
    labels: {c: d}
    tls: [{hosts: [flink.example.com], secretName: tls}]
  podTemplate:
    metadata: {labels: {pod: all}}
    spec:
      nodeSelector: {disk: ssd}
  jobManager:
    replicas: 1
    resource: {cpu: 1, memory: 2048m, ephemeralStorage: 1Gi}
    resources: {requests: {memory: 2048m, cpu: "1"}, limits: {memory: 2048m}}
    podTemplate:
      metadata: {annotations: {jm: "1"}}
  taskManager:
    replicas: 2
    resource: {cpu: 1, memory: 2048m, ephemeralStorage: 1Gi}
    resources: {requests: {memory: 2048m, cpu: "1"}, limits: {memory: 2048m}}
    podTemplate:
      metadata: {annotations: {tm: "1"}}
%s
`, mode, extraConfig, job)
}

func minimalBase(mode string, application bool) string {
	job := `
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2`
	if !application {
		job = ""
	}
	return fmt.Sprintf(`
metadata: {name: f, namespace: ns}
spec:
  mode: %s
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager:
    resources: {requests: {memory: 2048m, cpu: "1"}}
  taskManager:
    resources: {requests: {memory: 2048m, cpu: "1"}}
%s
`, mode, job)
}

// deployedRC is how the base clusters are taken to be running: restored
// from a savepoint, with a fixed job id.
var deployedRC = renderer.RenderContext{RestorePath: "s3://bucket/savepoints/sp-1", StartEmpty: true, JobID: "0000000000000000000000000000000a"}

// specLeaf is one leaf of FlinkDeploymentSpec: a field the test sets as a
// whole.
type specLeaf struct {
	path  string // spec.job.allowNonRestoredState
	index []int  // reflect field indices from FlinkDeploymentSpec
	typ   reflect.Type
}

// opaqueTypes are set as a whole (mutationValues knows their values):
// structured documents the field table compares as one.
var opaqueTypes = map[reflect.Type]bool{
	reflect.TypeOf(v1beta1.ConfigObject{}):         true,
	reflect.TypeOf(v1beta1.PodTemplate{}):          true,
	reflect.TypeOf(v1beta1.ResourceRequirements{}): true,
	reflect.TypeOf(v1beta1.IngressTLS{}):           true,
}

// specLeaves walks t's fields, recursing into the API's own structs.
func specLeaves(t reflect.Type, path string, index []int) []specLeaf {
	var out []specLeaf
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		idx := append(append([]int{}, index...), i)
		p := path + "." + name
		inner := f.Type
		if inner.Kind() == reflect.Pointer {
			inner = inner.Elem()
		}
		if inner.Kind() == reflect.Struct && inner.PkgPath() == reflect.TypeOf(v1beta1.JobSpec{}).PkgPath() && !opaqueTypes[inner] {
			out = append(out, specLeaves(inner, p, idx)...)
			continue
		}
		out = append(out, specLeaf{path: p, index: idx, typ: f.Type})
	}
	return out
}

// at returns the leaf's field in spec, allocating the structs on the way.
func (l specLeaf) at(spec *v1beta1.FlinkDeploymentSpec) reflect.Value {
	v := reflect.ValueOf(spec).Elem()
	for n, i := range l.index {
		v = v.Field(i)
		if n == len(l.index)-1 {
			break
		}
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
	}
	return v
}

// mutationValues lists values a leaf is set to, as YAML of the field's
// type: valid values for fields the API constrains, and the empty value
// (clearing it). A field without an entry gets generic values by kind.
var mutationValues = map[string][]string{
	"spec.job.jarURI":                            {"local:///opt/flink/usrlib/other.jar"},
	"spec.jobManager.replicas":                   {"2", "null"},
	"spec.job.state":                             {"suspended", "running"},
	"spec.job.upgradeMode":                       {"stateless", "savepoint", "last-state"},
	"spec.job.initialSavepointPath":              {"s3://bucket/savepoints/other", `""`},
	"spec.job.allowNonRestoredState":             {"true", "false", "null"},
	"spec.image":                                 {"flink:1.20.1"},
	"spec.imagePullPolicy":                       {"Always", `""`},
	"spec.flinkVersion":                          {"v1_19"},
	"spec.mode":                                  {"native", "standalone"},
	"spec.logConfiguration":                      {`{"log4j-console.properties": "rootLogger.level = DEBUG"}`, `{"logback-console.xml": "<configuration/>"}`, "null"},
	"spec.ingress.template":                      {"/{{namespace}}/{{name}}"},
	"spec.ingress.tls":                           {`[{"hosts": ["other.example.com"], "secretName": "other"}]`, "null"},
	"spec.jobManager.resource.memory":            {"4096m"},
	"spec.jobManager.resource.ephemeralStorage":  {"2Gi"},
	"spec.taskManager.resource.memory":           {"4096m"},
	"spec.taskManager.resource.ephemeralStorage": {"2Gi"},
	"spec.jobManager.resources": {
		`{"requests": {"memory": "4096m", "cpu": "1"}}`, `{"requests": {"memory": "2048m", "cpu": "2"}, "limits": {"cpu": "3"}}`, "null"},
	"spec.taskManager.resources": {
		`{"requests": {"memory": "4096m", "cpu": "1"}}`, `{"requests": {"memory": "2048m", "cpu": "2"}, "limits": {"cpu": "3"}}`, "null"},
	"spec.podTemplate":             podTemplateMutations,
	"spec.jobManager.podTemplate":  podTemplateMutations,
	"spec.taskManager.podTemplate": podTemplateMutations,
	"spec.flinkConfiguration":      nil, // configMutations
}

var podTemplateMutations = []string{
	`{"metadata": {"labels": {"pod": "other"}}}`,
	`{"spec": {"nodeSelector": {"disk": "hdd"}}}`,
	`{"spec": {"containers": [{"name": "flink-main-container", "env": [{"name": "X", "value": "1"}]}]}}`,
	"null",
}

// configMutations change, add or remove flinkConfiguration keys: the keys
// the field table classes IGNORE or SCALE, and some it classes UPGRADE.
var configMutations = []map[string]any{
	{"kubernetes.operator.savepoint.history.max.count": 5},
	{"kubernetes.operator.savepoint.history.max.count": nil},
	{"kubernetes.operator.periodic.savepoint.interval": "1h"},
	{"job.autoscaler.enabled": "true"},
	{"parallelism.default": 5},
	{"pipeline.jobvertex-parallelism-overrides": "bc764cd8ddf7a0cff126f51c16239658:2"},
	{"scheduler-mode": "reactive"},
	{"scheduler-mode": nil},
	{"execution.savepoint.ignore-unclaimed-state": "true"},
	{"taskmanager.numberOfTaskSlots": 4},
	{"state.savepoints.dir": nil},
	{"env.java.opts.jobmanager": "-Dx=y"},
	{"kubernetes.jobmanager.annotations": "a:b"},
	{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://bucket/ha"},
}

// genericValues are values for a leaf without a mutationValues entry.
func genericValues(v reflect.Value) []string {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return []string{`"changed"`, `""`}
	case reflect.Bool:
		return []string{"true", "false", "null"}
	case reflect.Int32, reflect.Int64:
		return []string{"1", "3", "null"}
	case reflect.Float64:
		return []string{"0.5", "null"}
	case reflect.Slice:
		return []string{`["--changed"]`, "null"}
	case reflect.Map:
		return []string{`{"changed": "1"}`, "null"}
	}
	return nil
}

// fieldMutation is one edit of a base spec.
type fieldMutation struct {
	leaf  string
	name  string
	apply func(*v1beta1.FlinkDeploymentSpec) error
}

func mutationsOf(t *testing.T, l specLeaf, base *v1beta1.FlinkDeploymentSpec) []fieldMutation {
	if l.path == "spec.flinkConfiguration" {
		var out []fieldMutation
		for _, edit := range configMutations {
			out = append(out, fieldMutation{leaf: l.path, name: fmt.Sprint(edit), apply: func(s *v1beta1.FlinkDeploymentSpec) error {
				return editConfig(s, edit)
			}})
		}
		return out
	}
	values, known := mutationValues[l.path]
	if !known {
		values = genericValues(l.at(base.DeepCopy()))
	}
	require.NotEmpty(t, values, "%s: no values to set it to; add them to mutationValues", l.path)
	var out []fieldMutation
	for _, value := range values {
		out = append(out, fieldMutation{leaf: l.path, name: value, apply: func(s *v1beta1.FlinkDeploymentSpec) error {
			field := l.at(s)
			v := reflect.New(field.Type())
			if err := yaml.Unmarshal([]byte(value), v.Interface()); err != nil {
				return fmt.Errorf("%s: %w", l.path, err)
			}
			field.Set(v.Elem())
			return nil
		}})
	}
	return out
}

func editConfig(s *v1beta1.FlinkDeploymentSpec, edit map[string]any) error {
	entries, err := s.FlinkConfiguration.Flatten()
	if err != nil {
		return err
	}
	flat := map[string]any{}
	for _, e := range entries {
		flat[e.Key] = e.Value
	}
	for k, v := range edit {
		if v == nil {
			delete(flat, k)
		} else {
			flat[k] = v
		}
	}
	s.FlinkConfiguration = v1beta1.NewConfigObject(flat)
	return nil
}

// processView is what a Flink process of the cluster runs with: the pod
// templates of the JobManager and TaskManagers, and the Flink
// configuration without the keys named in skip.
type processView struct {
	podTemplates map[string]any
	config       map[string]string
}

func viewOf(t *testing.T, res *renderer.Result, skip map[string]bool) processView {
	v := processView{podTemplates: map[string]any{}, config: map[string]string{}}
	for _, obj := range res.Objects {
		component := obj.GetLabels()["component"]
		switch {
		case obj.GetKind() == "Deployment":
			tmpl, found, err := unstructured.NestedMap(obj.Object, "spec", "template")
			require.NoError(t, err)
			require.True(t, found, "Deployment %s has a pod template", obj.GetName())
			v.podTemplates[component+" Deployment"] = tmpl
		case obj.GetKind() == "ConfigMap" && strings.HasPrefix(obj.GetName(), "pod-template-"):
			// The native TaskManagers' pod template.
			v.podTemplates["pod-template ConfigMap"] = obj.Object["data"]
		}
	}
	for _, e := range res.FlinkConfiguration {
		if !skip[e.Key] {
			v.config[e.Key] = e.String()
		}
	}
	return v
}

func decodeBase(t *testing.T, doc string) *v1beta1.FlinkDeployment {
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(doc), fd))
	fd.Spec = *defaulted(&fd.Spec)
	return fd
}

func TestEverySpecFieldThatChangesAPodIsAnUpgrade(t *testing.T) {
	leaves := specLeaves(reflect.TypeOf(v1beta1.FlinkDeploymentSpec{}), "spec", nil)
	require.Greater(t, len(leaves), 30, "the walk finds the spec's fields")
	exercised := map[string]int{} // leaf -> valid mutations
	podChanges, rendered := 0, 0
	names := make([]string, 0, len(fieldBases))
	for name := range fieldBases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, baseName := range names {
		base := decodeBase(t, fieldBases[baseName])
		rc := deployedRC
		if base.Spec.Job == nil {
			rc = renderer.RenderContext{}
		}
		before, err := renderer.Render(base, rc)
		require.NoError(t, err, "%s renders", baseName)
		for _, l := range leaves {
			for _, m := range mutationsOf(t, l, &base.Spec) {
				desired := base.DeepCopy()
				require.NoError(t, m.apply(&desired.Spec), "%s %s=%s", baseName, m.leaf, m.name)
				desired.Spec = *defaulted(&desired.Spec)
				if apiequality.Semantic.DeepEqual(desired.Spec, base.Spec) {
					continue
				}
				if gate.Classify(&base.Spec, &desired.Spec).Type >= gate.DiffUpgrade {
					// Goes through the gate whatever it renders; no
					// need to spend a render on it.
					exercised[m.leaf]++
					continue
				}
				// What the reconciler would refuse (an invalid spec, or
				// an immutable field changed) never reaches the gate.
				after, err := renderer.Render(desired, rc)
				if err != nil {
					continue
				}
				exercised[m.leaf]++
				rendered++
				if len(validation.ValidateTransition(&base.Spec, &desired.Spec)) > 0 {
					continue
				}

				// The renders above are the ones classifyRendered makes
				// (same specs, same context): reuse them.
				reuse := func(fd *v1beta1.FlinkDeployment, got renderer.RenderContext) (*renderer.Result, error) {
					require.Equal(t, rc, got)
					if apiequality.Semantic.DeepEqual(fd.Spec, base.Spec) {
						return before, nil
					}
					require.True(t, apiequality.Semantic.DeepEqual(fd.Spec, desired.Spec))
					return after, nil
				}
				diff, err := classifyRendered(base, &base.Spec, &desired.Spec, rc, reuse)
				require.NoError(t, err)
				var skip map[string]bool
				if diff.Type == gate.DiffScale {
					skip = scaleConfigKeys
				}
				a, b := viewOf(t, before, skip), viewOf(t, after, skip)
				podsChanged := !apiequality.Semantic.DeepEqual(a.podTemplates, b.podTemplates)
				configChanged := !apiequality.Semantic.DeepEqual(a.config, b.config)
				if podsChanged {
					podChanges++
				}
				if podsChanged || configChanged {
					assert.GreaterOrEqual(t, diff.Type, gate.DiffUpgrade,
						"%s: %s = %s changes a pod template (%v) or the Flink configuration (%v) but is classed %s (%v)",
						baseName, m.leaf, m.name, podsChanged, configChanged, diff.Type, diff.Fields)
				}
			}
		}
	}
	for _, l := range leaves {
		assert.Positive(t, exercised[l.path], "%s: no valid mutation on any base; give it valid values in mutationValues", l.path)
	}
	assert.Positive(t, podChanges, "some mutations change a pod template")
	t.Logf("%d mutations checked by render", rendered)
}

// The safety net escalates only what reaches a pod: changes that do not
// keep their class.
func TestClassifyRenderedKeepsChangesThatReachNoPod(t *testing.T) {
	reactive := decodeBase(t, richBase("standalone", true, "    scheduler-mode: reactive\n"))
	native := decodeBase(t, richBase("native", true, ""))
	standalone := decodeBase(t, richBase("standalone", true, ""))
	for _, tc := range []struct {
		name   string
		base   *v1beta1.FlinkDeployment
		change func(*v1beta1.FlinkDeploymentSpec)
		want   gate.DiffType
		field  string
	}{
		{"operator key", native, func(s *v1beta1.FlinkDeploymentSpec) {
			require.NoError(t, editConfig(s, map[string]any{"kubernetes.operator.savepoint.history.max.count": 7}))
		}, gate.DiffIgnore, ""},
		{"upgradeMode", standalone, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeStateless }, gate.DiffIgnore, ""},
		{"initialSavepointPath", standalone, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.InitialSavepointPath = "s3://x/y" }, gate.DiffIgnore, ""},
		{"reactive replicas", reactive, func(s *v1beta1.FlinkDeploymentSpec) { *s.TaskManager.Replicas = 5 }, gate.DiffScale, ""},
		{"reactive parallelism", reactive, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 8 }, gate.DiffScale, ""},
		{"standalone allowNonRestoredState", standalone, func(s *v1beta1.FlinkDeploymentSpec) { *s.Job.AllowNonRestoredState = true }, gate.DiffUpgrade,
			"spec.job.allowNonRestoredState: UPGRADE (changes the Flink configuration (execution.state-recovery.ignore-unclaimed-state), the JobManager Deployment f,"},
		{"native allowNonRestoredState", native, func(s *v1beta1.FlinkDeploymentSpec) { *s.Job.AllowNonRestoredState = true }, gate.DiffUpgrade,
			"spec.job.allowNonRestoredState: UPGRADE (changes the Flink configuration (execution.state-recovery.ignore-unclaimed-state), so"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desired := tc.base.Spec.DeepCopy()
			tc.change(desired)
			desired = defaulted(desired)
			diff, err := classifyRendered(tc.base, &tc.base.Spec, desired, deployedRC, renderer.Render)
			require.NoError(t, err)
			assert.Equal(t, tc.want, diff.Type, "%v", diff.Fields)
			if tc.field != "" {
				require.Len(t, diff.Fields, 1)
				assert.True(t, strings.HasPrefix(diff.Fields[0], tc.field), "%s", diff.Fields[0])
			}
		})
	}
}
