package decode

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var leadingIndex = regexp.MustCompile(`^\[(\d+)\]`)

// LineOf returns the line of the deepest node of a field path such as
// spec.job.parallelism, spec.podTemplate.spec.containers[1].image or
// spec.flinkConfiguration.high-availability.storageDir. Mapping keys may
// contain dots (flat Flink keys), so at each mapping the longest key that
// prefixes the rest of the path wins. Parts of the path that are not in the
// input (a missing required field) resolve to their nearest present parent.
func (d *Document) LineOf(path string) int {
	line, _ := d.locate(path)
	return line
}

// scalarAt is the text of the scalar at path as written in the input, ""
// when path does not reach a scalar.
func (d *Document) scalarAt(path string) string {
	if _, n := d.locate(path); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// locate finds path's line, and its node when all of path is present.
func (d *Document) locate(path string) (int, *yaml.Node) {
	if d == nil || d.root == nil {
		return 0, nil
	}
	node, rest := d.root, path
	line := node.Line
	for rest != "" {
		rest = strings.TrimPrefix(rest, ".")
		var next *yaml.Node
		switch node.Kind {
		case yaml.SequenceNode:
			m := leadingIndex.FindStringSubmatch(rest)
			if m == nil {
				return line, nil
			}
			i, _ := strconv.Atoi(m[1])
			if i >= len(node.Content) {
				return line, nil
			}
			next, rest = node.Content[i], rest[len(m[0]):]
		case yaml.MappingNode:
			// field.Path writes map keys as [key]; look such a key up like a field.
			if strings.HasPrefix(rest, "[") {
				if end := strings.Index(rest, "]"); end > 0 {
					rest = rest[1:end] + rest[end+1:]
				}
			}
			var key *yaml.Node
			for i := 0; i+1 < len(node.Content); i += 2 {
				k := node.Content[i].Value
				if strings.HasPrefix(rest, k) && (len(rest) == len(k) || rest[len(k)] == '.' || rest[len(k)] == '[') {
					if key == nil || len(k) > len(key.Value) {
						key, next = node.Content[i], node.Content[i+1]
					}
				}
			}
			if key == nil {
				return line, nil
			}
			line = key.Line
			rest = rest[len(key.Value):]
			if rest == "" {
				return line, next
			}
		default:
			return line, nil
		}
		node = next
		if node.Kind != yaml.MappingNode {
			line = node.Line
		}
	}
	return line, node
}
