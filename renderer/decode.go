package renderer

import (
	"fmt"

	"cuelang.org/go/cue"
)

// Decoding a template's output into Go values.
//
// cue.Value.Decode is not used for two reasons. It decodes a value that is
// not concrete inside a list or map as nil without an error, so it needed a
// full Validate pass first, or objects with holes would reach the API
// server. And it goes through reflection for every value. A plain walk
// that produces exactly the types unstructured objects hold (map[string]any,
// []any, string, int64, float64, bool, nil) fails on the first value that
// is not concrete, so no separate Validate is needed; together that is a
// fifth fewer bytes allocated per render (BENCHMARKS.md).

// decodeOutput reads a template's output (templates/<mode>/output.cue).
func decodeOutput(output cue.Value) (*templateOutput, error) {
	var out templateOutput
	objects, err := outputField(output, "objects")
	if err != nil {
		return nil, err
	}
	iter, err := objects.List()
	if err != nil {
		return nil, notConcrete(objects, err)
	}
	for iter.Next() {
		obj, err := decodeStruct(iter.Value())
		if err != nil {
			return nil, err
		}
		out.Objects = append(out.Objects, obj)
	}
	fc, err := outputField(output, "flinkConfig")
	if err != nil {
		return nil, err
	}
	if out.FlinkConfig.ConfigMap, err = stringField(fc, "configMap"); err != nil {
		return nil, err
	}
	if out.FlinkConfig.File, err = stringField(fc, "file"); err != nil {
		return nil, err
	}
	if out.FlinkConfig.Format, err = stringField(fc, "format"); err != nil {
		return nil, err
	}
	if out.FlinkConfig.Defaults, err = stringMapField(fc, "defaults"); err != nil {
		return nil, err
	}
	if out.FlinkConfig.Overrides, err = stringMapField(fc, "overrides"); err != nil {
		return nil, err
	}
	// Only native mode writes a TaskManager pod template.
	if tm := output.LookupPath(pathTaskManagerPodTemplate); tm.Exists() {
		pt := &taskManagerPodTemplate{}
		if pt.ConfigMap, err = stringField(tm, "configMap"); err != nil {
			return nil, err
		}
		if pt.File, err = stringField(tm, "file"); err != nil {
			return nil, err
		}
		pod, err := outputField(tm, "pod")
		if err != nil {
			return nil, err
		}
		if pt.Pod, err = decodeStruct(pod); err != nil {
			return nil, err
		}
		out.PodTemplates.TaskManager = pt
	}
	// Only with input.decorations.
	if d := output.LookupPath(pathDecorations); d.Exists() {
		if out.Decorations, err = decodeStruct(d); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// outputField looks up a field the contract requires.
func outputField(parent cue.Value, name string) (cue.Value, error) {
	v := parent.LookupPath(cue.MakePath(cue.Str(name)))
	if !v.Exists() {
		return v, fmt.Errorf("evaluate template: %s.%s: missing", parent.Path(), name)
	}
	return v, nil
}

func stringField(parent cue.Value, name string) (string, error) {
	v, err := outputField(parent, name)
	if err != nil {
		return "", err
	}
	return decodeString(v)
}

// decodeValue converts a concrete value into the Go types of unstructured
// objects; anything not concrete is an error naming its path.
func decodeValue(v cue.Value) (any, error) {
	switch v.Kind() {
	case cue.StructKind:
		return decodeStruct(v)
	case cue.ListKind:
		iter, err := v.List()
		if err != nil {
			return nil, notConcrete(v, err)
		}
		list := []any{}
		for iter.Next() {
			x, err := decodeValue(iter.Value())
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		return list, nil
	case cue.StringKind:
		return v.String()
	case cue.IntKind:
		i, err := v.Int64()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Path(), err)
		}
		return i, nil
	case cue.FloatKind:
		return v.Float64()
	case cue.BoolKind:
		return v.Bool()
	case cue.NullKind:
		return nil, nil
	}
	// A disjunction with a default (such as *x | y) decodes as its default.
	if d, ok := v.Default(); ok {
		return decodeValue(d)
	}
	return nil, notConcrete(v, nil)
}

func decodeStruct(v cue.Value) (map[string]any, error) {
	if v.Kind() != cue.StructKind {
		if d, ok := v.Default(); ok {
			return decodeStruct(d)
		}
		return nil, notConcrete(v, fmt.Errorf("want a struct, got %v", v.IncompleteKind()))
	}
	iter, err := v.Fields()
	if err != nil {
		return nil, notConcrete(v, err)
	}
	m := map[string]any{}
	for iter.Next() {
		x, err := decodeValue(iter.Value())
		if err != nil {
			return nil, err
		}
		m[iter.Selector().Unquoted()] = x
	}
	return m, nil
}

func decodeString(v cue.Value) (string, error) {
	s, err := v.String()
	if err != nil {
		return "", notConcrete(v, err)
	}
	return s, nil
}

func stringMapField(parent cue.Value, name string) (map[string]string, error) {
	v, err := outputField(parent, name)
	if err != nil {
		return nil, err
	}
	return decodeStringMap(v)
}

// decodeStringMap reads the flinkConfig maps, whose values templates must
// write as strings (templates/common/cluster.cue leaves the maps open for
// speed, so this is where that is checked).
func decodeStringMap(v cue.Value) (map[string]string, error) {
	iter, err := v.Fields()
	if err != nil {
		return nil, notConcrete(v, err)
	}
	m := map[string]string{}
	for iter.Next() {
		s, err := decodeString(iter.Value())
		if err != nil {
			return nil, err
		}
		m[iter.Selector().Unquoted()] = s
	}
	return m, nil
}

// notConcrete explains why v could not be decoded: CUE's own error for it
// (a conflict, a missing field, an incomplete value) when it has one.
func notConcrete(v cue.Value, cause error) error {
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return fmt.Errorf("evaluate template: %w", err)
	}
	if cause != nil {
		return fmt.Errorf("evaluate template: %s: %w", v.Path(), cause)
	}
	return fmt.Errorf("evaluate template: %s: value is not concrete", v.Path())
}
