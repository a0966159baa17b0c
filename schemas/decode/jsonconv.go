package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonCompatible turns what yaml.v3 decodes into values encoding/json can
// write: mappings must have string keys, as in every Kubernetes object.
func jsonCompatible(v any, path string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, item := range t {
			conv, err := jsonCompatible(item, join(path, k))
			if err != nil {
				return nil, err
			}
			t[k] = conv
		}
		return t, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("%s: mapping key %v is not a string", path, k)
			}
			conv, err := jsonCompatible(item, join(path, ks))
			if err != nil {
				return nil, err
			}
			out[ks] = conv
		}
		return out, nil
	case []any:
		for i, item := range t {
			conv, err := jsonCompatible(item, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			t[i] = conv
		}
		return t, nil
	default:
		return v, nil
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonMarshal writes JSON without escaping <, > and & so values (such as
// log patterns) reach the decoder as written.
func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
