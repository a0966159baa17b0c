package v1beta1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ConfigObject holds spec.flinkConfiguration as the user wrote it: a flat
// map ("a.b": v), nested YAML (a: {b: v}), or a mix. It keeps the raw JSON so
// that nothing the user wrote is lost or reordered; Flatten gives the Flink
// view of it.
type ConfigObject struct {
	// Raw is the JSON object as written.
	Raw []byte `json:"-"`
}

// +kubebuilder:object:generate=false

// ConfigEntry is one flattened Flink configuration key and its value. Value
// is a string, a json.Number or a bool: the scalar type the user wrote is
// kept so that config files can be written without changing its meaning.
type ConfigEntry struct {
	Key   string
	Value any
}

// String renders the value the way Flink reads it.
func (e ConfigEntry) String() string {
	return fmt.Sprint(e.Value)
}

// NewConfigObject builds a ConfigObject from flat key/value pairs; used by
// tests and callers that construct specs in Go.
func NewConfigObject(flat map[string]any) *ConfigObject {
	raw, err := json.Marshal(flat)
	if err != nil {
		// map[string]any of scalars always marshals; anything else is a programming error.
		panic(fmt.Sprintf("NewConfigObject: %v", err))
	}
	return &ConfigObject{Raw: raw}
}

// MarshalJSON writes the object as written.
func (c ConfigObject) MarshalJSON() ([]byte, error) {
	if len(c.Raw) == 0 {
		return []byte("{}"), nil
	}
	return c.Raw, nil
}

// UnmarshalJSON keeps the raw object; it must be a JSON object.
func (c *ConfigObject) UnmarshalJSON(b []byte) error {
	trimmed := bytes.TrimSpace(b)
	if bytes.Equal(trimmed, []byte("null")) {
		c.Raw = nil
		return nil
	}
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("flinkConfiguration must be a map of configuration keys to values, got %s", truncate(string(trimmed), 40))
	}
	c.Raw = append(c.Raw[:0], trimmed...)
	return nil
}

// DeepCopyInto copies the raw bytes.
func (c *ConfigObject) DeepCopyInto(out *ConfigObject) {
	*out = *c
	if c.Raw != nil {
		out.Raw = append([]byte(nil), c.Raw...)
	}
}

// DeepCopy returns a copy.
func (c *ConfigObject) DeepCopy() *ConfigObject {
	if c == nil {
		return nil
	}
	out := new(ConfigObject)
	c.DeepCopyInto(out)
	return out
}

// Flatten returns the configuration as Flink sees it, sorted by key: nested
// maps are joined with ".", lists become ";"-separated strings (Flink's list
// syntax), scalars keep their type. A key given twice (flat and nested) or a
// null value is an error naming the key.
func (c *ConfigObject) Flatten() ([]ConfigEntry, error) {
	if c == nil || len(c.Raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(c.Raw))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("flinkConfiguration: %w", err)
	}
	flat := map[string]any{}
	var errs field.ErrorList
	flattenInto(flat, "", root, &errs)
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
		return nil, &ConfigError{Errors: errs}
	}
	entries := make([]ConfigEntry, 0, len(flat))
	for k, v := range flat {
		entries = append(entries, ConfigEntry{Key: k, Value: v})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
	return entries, nil
}

// ConfigError lists the keys of spec.flinkConfiguration that cannot be
// flattened, each with its field path (spec.flinkConfiguration[a.b]).
//
// +kubebuilder:object:generate=false
type ConfigError struct {
	Errors field.ErrorList
}

func (e *ConfigError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

func flattenInto(flat map[string]any, prefix string, m map[string]any, errs *field.ErrorList) {
	// Walk the keys in order so that which of two clashing spellings is
	// reported does not depend on map order.
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		path := field.NewPath("spec", "flinkConfiguration").Key(key)
		switch t := v.(type) {
		case map[string]any:
			flattenInto(flat, key, t, errs)
			continue
		case []any:
			parts := make([]string, 0, len(t))
			scalars := true
			for _, item := range t {
				switch item.(type) {
				case map[string]any, []any, nil:
					scalars = false
				default:
					parts = append(parts, fmt.Sprint(item))
				}
			}
			if !scalars {
				*errs = append(*errs, field.Invalid(path, truncate(string(mustJSON(t)), 60), "list items must be strings, numbers or booleans (Flink joins them with ;)"))
				continue
			}
			v = strings.Join(parts, ";")
		case nil:
			*errs = append(*errs, field.Invalid(path, nil, "value is null; give a string, number or boolean, or remove the key"))
			continue
		}
		if _, dup := flat[key]; dup {
			*errs = append(*errs, field.Invalid(path, fmt.Sprint(v), "the key is given twice, flat and nested (a.b: x and a: {b: x}); keep one"))
			continue
		}
		flat[key] = v
	}
}

// mustJSON encodes a decoded JSON value again, for messages.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(fmt.Sprint(v))
	}
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
