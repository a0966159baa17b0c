package renderer

import (
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// MarshalYAML writes an object's content as YAML, byte for byte as
// sigs.k8s.io/yaml.Marshal does, in under a third of its time.
//
// sigs.k8s.io/yaml encodes JSON, parses that with go.yaml.in/yaml/v2 and
// encodes the result with it again; a flink-render batch spent most of its
// output time there (BENCHMARKS.md). The parse gives back the same tree
// for the values JSON and YAML spell alike (plainTree), and yaml.v2 sorts
// string keys the same way whatever the map's type, so such a tree is
// encoded directly. Anything else takes the old path, so the output never
// depends on which path was taken.
func MarshalYAML(obj map[string]any) ([]byte, error) {
	if obj != nil && plainTree(obj) {
		return yamlv2.Marshal(obj)
	}
	return yaml.Marshal(obj)
}

// plainTree reports whether v survives the JSON round trip of
// sigs.k8s.io/yaml unchanged, so that encoding it directly gives the same
// bytes. It refuses what the round trip changes: nil maps and slices
// (JSON null, where yaml.v2 writes {} and []), floats (an integral float
// comes back an int, and prints differently), the merge key "<<", strings
// the YAML parser would refuse, and every type unstructured content does
// not hold.
func plainTree(v any) bool {
	switch t := v.(type) {
	case nil, bool, int64, int32, int:
		return true
	case string:
		return plainString(t)
	case map[string]any:
		if t == nil {
			return false
		}
		for k, e := range t {
			if k == "<<" || !plainString(k) || !plainTree(e) {
				return false
			}
		}
		return true
	case []any:
		if t == nil {
			return false
		}
		for _, e := range t {
			if !plainTree(e) {
				return false
			}
		}
		return true
	}
	return false
}

// plainString reports whether s is valid UTF-8 of characters YAML allows
// in a stream: JSON writes DEL, the C1 controls and the byte order mark
// as they are, and the parse of sigs.k8s.io/yaml refuses them. (JSON
// escapes the C0 controls, which the parse reads back.)
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f {
			return plainRunes(s[i:])
		}
	}
	return true
}

func plainRunes(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 0x7f && r <= 0x9f, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
	}
	return true
}
