package decode

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// duplicateKeys reports every mapping key given twice in the same mapping,
// with its field path and both lines.
func (d *Document) duplicateKeys(n *yaml.Node, path string) []*Error {
	var errs []*Error
	switch n.Kind {
	case yaml.MappingNode:
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			child := join(path, key.Value)
			if line, seen := first[key.Value]; seen {
				errs = append(errs, &Error{File: d.File, Line: key.Line, Path: child,
					Message: fmt.Sprintf("field is given more than once (first on line %d)", line)})
				continue
			}
			first[key.Value] = key.Line
			errs = append(errs, d.duplicateKeys(value, child)...)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			errs = append(errs, d.duplicateKeys(item, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return errs
}

// checkConfigShape reports a spec.flinkConfiguration that is not a mapping
// at its own line: its decoder cannot say where it is.
func (d *Document) checkConfigShape(obj map[string]any) *Error {
	spec, _ := obj["spec"].(map[string]any)
	config, present := spec["flinkConfiguration"]
	switch config.(type) {
	case map[string]any, nil:
		return nil
	}
	if !present {
		return nil
	}
	return d.ErrorAt("spec.flinkConfiguration", fmt.Sprintf("cannot use %s here; expected a mapping of Flink configuration keys to values (flat a.b: v or nested a: {b: v})", describeValue(config)))
}

// describeValue names the kind of a decoded YAML value for messages.
func describeValue(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case int, int64, uint64, float64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
