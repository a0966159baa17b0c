package gate

import (
	"fmt"
	"sort"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Classify is a field table, like the reference operator's. The reference
// applies nothing for an IGNORE change; this operator applies IGNORE and
// SCALE changes in place (recordInPlace). So a field the table calls IGNORE
// but that reaches a pod (spec.job.allowNonRestoredState is a JobManager
// argument in standalone mode) restarted the JobManager without a savepoint.
// The safety net below closes that class of mistake: before an IGNORE or
// SCALE change is applied in place, the deployed and the desired spec are
// rendered with the deployed context and compared where a change restarts
// or reconfigures a Flink process. If anything there differs beyond what
// the change class allows, the change is an UPGRADE.
//
// What counts:
//   - every Deployment's spec (the JobManager's pod template and replicas;
//     the standalone TaskManagers' pod template). A SCALE change may change
//     the TaskManager Deployment's replicas and nothing else of it.
//   - every ConfigMap's data: the native TaskManager pod template (the
//     JobManager creates TaskManager pods from it) and the Flink
//     configuration, which a JobManager or TaskManager reads whenever it
//     (re)starts, so a change there takes effect at the next crash of any
//     pod. A SCALE change may change the parallelism keys in it, which
//     reactive mode does not restart for.
//
// Services and the Ingress are updated in place without restarting a pod.

// scaleConfigKeys are the Flink configuration keys a SCALE change may alter
// in place: a reactive cluster sizes the job to its TaskManagers and reads
// neither on the fly.
var scaleConfigKeys = map[string]bool{"parallelism.default": true, "pipeline.jobvertex-parallelism-overrides": true}

// ScaleConfigKeys returns the Flink configuration keys a SCALE change may
// alter in place (a copy, for tests that check renders against it).
func ScaleConfigKeys() map[string]bool {
	out := make(map[string]bool, len(scaleConfigKeys))
	for k := range scaleConfigKeys {
		out[k] = true
	}
	return out
}

// componentLabel is the label the renderer puts on a Deployment to say
// which Flink process it runs ("jobmanager", "taskmanager").
const componentLabel = "component"

// RenderFunc renders a FlinkDeployment: renderer.Render, or the
// reconciler's memoised render of it.
type RenderFunc func(*v1beta1.FlinkDeployment, renderer.RenderContext) (*renderer.Result, error)

// ClassifyRendered is Classify with the render-based safety net: fd gives
// the name, namespace and labels to render with, rc the context the
// running cluster was rendered with. It renders only for IGNORE and SCALE
// changes, so a pass without a spec change renders nothing. The reconciler
// passes its answer as Input.Diff; flink-render plan does the same, so
// both classify a change alike.
func ClassifyRendered(fd *v1beta1.FlinkDeployment, deployed, desired *v1beta1.FlinkDeploymentSpec, rc renderer.RenderContext, render RenderFunc) (SpecDiff, error) {
	diff := Classify(deployed, desired)
	if diff.Type != DiffIgnore && diff.Type != DiffScale {
		return diff, nil
	}
	results := [2]*renderer.Result{}
	for i, spec := range []*v1beta1.FlinkDeploymentSpec{deployed, desired} {
		target := fd.DeepCopy()
		target.Spec = *spec.DeepCopy()
		res, err := render(target, rc)
		if err != nil {
			return diff, objref.Of("FlinkDeployment", fd).Errorf("render to check that the %s change restarts no JobManager or TaskManager: %w", diff.Type, err)
		}
		results[i] = res
	}
	changed := restartingChanges(results[0], results[1], diff.Type == DiffScale)
	if len(changed) == 0 {
		return diff, nil
	}
	return escalate(diff, changed), nil
}

// escalate makes diff an UPGRADE and says, on each field the table let
// through, what it changes.
func escalate(diff SpecDiff, changed []string) SpecDiff {
	why := fmt.Sprintf(" (changes %s, so the JobManager or TaskManagers restart)", strings.Join(changed, ", "))
	out := SpecDiff{Type: DiffUpgrade, Fields: make([]string, 0, len(diff.Fields))}
	for _, f := range diff.Fields {
		path, t, _ := strings.Cut(f, ": ")
		if t == DiffIgnore.String() || t == DiffScale.String() {
			f = path + ": " + DiffUpgrade.String() + why
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

// restartingChanges names what differs between two renders of a cluster
// where it matters to a running Flink process. scale allows the changes a
// SCALE diff makes.
func restartingChanges(before, after *renderer.Result, scale bool) []string {
	a, b := restartRelevant(before), restartRelevant(after)
	var changed []string
	for key := range union(a, b) {
		x, inA := a[key]
		y, inB := b[key]
		if !inA || !inB {
			changed = append(changed, key.String())
			continue
		}
		if key.kind == "Deployment" && scale && x.component == "taskmanager" {
			x, y = x.withoutReplicas(), y.withoutReplicas()
		}
		if !apiequality.Semantic.DeepEqual(x.content, y.content) {
			changed = append(changed, x.describe())
		}
	}
	if keys := configChanges(before.FlinkConfiguration, after.FlinkConfiguration, scale); len(keys) > 0 {
		changed = append(changed, "the Flink configuration ("+strings.Join(keys, ", ")+")")
	}
	sort.Strings(changed)
	return changed
}

type renderedKey struct{ kind, name string }

func (k renderedKey) String() string { return k.kind + " " + k.name }

// relevant is the part of a rendered object that a running process sees.
type relevant struct {
	key       renderedKey
	component string
	content   map[string]any
}

func (r relevant) withoutReplicas() relevant {
	content := make(map[string]any, len(r.content))
	for k, v := range r.content {
		content[k] = v
	}
	delete(content, "replicas")
	r.content = content
	return r
}

func (r relevant) describe() string {
	switch {
	case r.key.kind == "Deployment" && r.component != "":
		return fmt.Sprintf("the %s Deployment %s", componentName(r.component), r.key.name)
	}
	return "the " + r.key.String()
}

func componentName(c string) string {
	switch c {
	case "jobmanager":
		return "JobManager"
	case "taskmanager":
		return "TaskManager"
	}
	return c
}

// restartRelevant picks the Deployments' specs and the ConfigMaps' data,
// except the Flink configuration file, which configChanges compares key by
// key.
func restartRelevant(res *renderer.Result) map[renderedKey]relevant {
	out := map[renderedKey]relevant{}
	for _, obj := range res.Objects {
		key := renderedKey{kind: obj.GetKind(), name: obj.GetName()}
		var field string
		switch key.kind {
		case "Deployment":
			field = "spec"
		case "ConfigMap":
			field = "data"
		default:
			continue
		}
		content, _, _ := unstructured.NestedMap(obj.Object, field)
		if key.kind == "ConfigMap" && res.ConfigFile != "" {
			if _, ok := content[res.ConfigFile]; ok {
				delete(content, res.ConfigFile)
			}
		}
		out[key] = relevant{key: key, component: obj.GetLabels()[componentLabel], content: content}
	}
	return out
}

// configChanges lists the keys whose value differs between two rendered
// Flink configurations, without the ones scale allows to change.
func configChanges(before, after []v1beta1.ConfigEntry, scale bool) []string {
	a, b := configMap(before), configMap(after)
	var keys []string
	for k := range union(a, b) {
		x, inA := a[k]
		y, inB := b[k]
		if (inA != inB || x != y) && !(scale && scaleConfigKeys[k]) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func configMap(entries []v1beta1.ConfigEntry) map[string]string {
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		out[e.Key] = e.String()
	}
	return out
}

func union[K comparable, V any](a, b map[K]V) map[K]bool {
	out := make(map[K]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
