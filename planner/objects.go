package planner

import (
	"fmt"
	"reflect"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/renderer"
)

// diffObjects lists the rendered objects that differ between two renders
// of one FlinkDeployment, each with the unified diff of its YAML: the
// head's objects in apply order, then the base's that are gone.
func diffObjects(before, after []*unstructured.Unstructured) ([]ObjectChange, error) {
	type key struct{ kind, name string }
	old := map[key]*unstructured.Unstructured{}
	for _, o := range before {
		old[key{o.GetKind(), o.GetName()}] = o
	}
	var out []ObjectChange
	seen := map[key]bool{}
	for _, o := range after {
		k := key{o.GetKind(), o.GetName()}
		seen[k] = true
		c, err := diffObject(old[k], o)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	for _, o := range before {
		if seen[key{o.GetKind(), o.GetName()}] {
			continue
		}
		c, err := diffObject(o, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// diffObject is the change from a to b (either may be nil), nil when
// their YAML is the same.
func diffObject(a, b *unstructured.Unstructured) (*ObjectChange, error) {
	// Most objects of a change are untouched: equal content is equal
	// YAML, and comparing it is far cheaper than encoding both.
	if a != nil && b != nil && reflect.DeepEqual(a.Object, b.Object) {
		return nil, nil
	}
	id := a
	if id == nil {
		id = b
	}
	ya, err := objectYAML(a)
	if err != nil {
		return nil, err
	}
	yb, err := objectYAML(b)
	if err != nil {
		return nil, err
	}
	if ya == yb {
		return nil, nil
	}
	c := &ObjectChange{Kind: id.GetKind(), Name: id.GetName(), Change: "changed"}
	switch {
	case a == nil:
		c.Change = "added"
	case b == nil:
		c.Change = "removed"
	}
	ref := fmt.Sprintf("%s/%s/%s", id.GetKind(), id.GetNamespace(), id.GetName())
	c.Diff, err = difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(ya), B: difflib.SplitLines(yb),
		FromFile: "base " + ref, ToFile: "head " + ref, Context: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", ref, err)
	}
	return c, nil
}

func objectYAML(o *unstructured.Unstructured) (string, error) {
	if o == nil {
		return "", nil
	}
	b, err := renderer.MarshalYAML(o.Object)
	if err != nil {
		return "", objref.Of(o.GetKind(), o).Errorf("encode: %w", err)
	}
	return string(b), nil
}
