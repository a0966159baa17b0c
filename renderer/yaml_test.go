package renderer

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// MarshalYAML must give exactly the bytes of sigs.k8s.io/yaml.Marshal,
// whichever path it takes.
func TestMarshalYAMLMatchesSigsYAML(t *testing.T) {
	long := strings.Repeat("word ", 40)
	cases := map[string]map[string]any{
		"scalars": {"s": "x", "b": true, "i": int64(-3), "n": nil, "big": int64(1) << 62},
		"yaml 1.1 words and numbers as strings": {"a": "yes", "b": "no", "c": "on", "d": "1", "e": "1.5",
			"f": "0x10", "g": "~", "h": "null", "i": "", "j": " lead", "k": "trail ", "l": "a: b", "m": "- x", "o": "#c"},
		"lines":         {"multi": "one\ntwo\n", "long": long, "tab": "a\tb", "ctl": "a\x01b", "cr": "a\rb"},
		"unicode":       {"u": "héllo ✓ 𝄞", "sep": "a\u2028b", "nel": "a\u0085b", "del": "a\x7fb", "bom": "\ufeffx", "bad": "a\xffb"},
		"key order":     {"a10": 1, "a9": 2, "A": 3, "_x": 4, "b": 5, "1": 6, "10": 7, "2": 8, "true": 9, "": 10},
		"merge key":     {"<<": "x", "a": int64(1)},
		"floats":        {"f": 2.0, "g": 1.5, "h": 123456789.0, "i": 1e21, "j": 1e-7},
		"nil map":       {"m": map[string]any(nil)},
		"nil slice":     {"s": []any(nil)},
		"empty":         {"m": map[string]any{}, "s": []any{}},
		"nested":        {"spec": map[string]any{"list": []any{map[string]any{"name": "x", "port": int64(8081)}, "y", []any{int64(1)}}}},
		"int types":     {"a": 3, "b": int32(4)},
		"quantity-like": {"cpu": "500m", "memory": "1Gi", "e": "1e3", "ip": "10.0.0.1", "time": "2024-01-01T00:00:00Z", "oct": "0755"},
	}
	for name, obj := range cases {
		want, wantErr := yaml.Marshal(obj)
		got, err := MarshalYAML(obj)
		if (err != nil) != (wantErr != nil) || string(got) != string(want) {
			t.Errorf("%s: MarshalYAML = %q, %v; sigs.k8s.io/yaml.Marshal = %q, %v", name, got, err, want, wantErr)
		}
	}
}

func BenchmarkMarshalYAML(b *testing.B) {
	obj := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "x", "labels": map[string]any{"app": "x", "component": "jobmanager"}},
		"spec": map[string]any{"replicas": int64(1), "template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "flink", "image": "flink:1.20", "args": []any{"jobmanager"}}}}}}}
	for name, marshal := range map[string]func(any) ([]byte, error){
		"MarshalYAML":      func(v any) ([]byte, error) { return MarshalYAML(v.(map[string]any)) },
		"sigs.k8s.io/yaml": yaml.Marshal,
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := marshal(obj); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
