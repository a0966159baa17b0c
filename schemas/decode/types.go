package decode

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	flinkVersion    = reflect.TypeFor[v1beta1.FlinkVersion]()
)

// typeErrors finds every value of the decoded document whose JSON type the
// Go field cannot take, and removes it, so that the strict decode after
// it does not stop at the first (encoding/json reports one type error,
// and with no usable line). Each is reported at its own field and line.
// Only the wrong values go: a mapping or list with a wrong value inside
// keeps the rest.
// Types that decode themselves (quantities, the Flink configuration, int-
// or-string) are left to their decoders.
func (d *Document) typeErrors(v any, t reflect.Type, path string) []*Error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || decodesItself(t) {
		return nil
	}
	var errs []*Error
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return []*Error{d.mismatch(path, v, t)}
		}
		for key, item := range m {
			ft, found := structField(t, key)
			if !found {
				continue // the strict decode reports unknown fields
			}
			p := join(path, key)
			if e := d.typeErrors(item, ft, p); len(e) > 0 {
				errs = append(errs, e...)
				if d.typeErrPaths[p] {
					delete(m, key)
				}
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return []*Error{d.mismatch(path, v, t)}
		}
		for key, item := range m {
			p := path + "[" + key + "]"
			if e := d.typeErrors(item, t.Elem(), p); len(e) > 0 {
				errs = append(errs, e...)
				if d.typeErrPaths[p] {
					delete(m, key)
				}
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte: base64 text, decoded by encoding/json
		}
		list, ok := v.([]any)
		if !ok {
			return []*Error{d.mismatch(path, v, t)}
		}
		for i, item := range list {
			p := fmt.Sprintf("%s[%d]", path, i)
			if e := d.typeErrors(item, t.Elem(), p); len(e) > 0 {
				errs = append(errs, e...)
				if d.typeErrPaths[p] {
					list[i] = nil
				}
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return []*Error{d.mismatch(path, v, t)}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return []*Error{d.mismatch(path, v, t)}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		switch n := v.(type) {
		case int, int64, uint64:
		case float64:
			if n != math.Trunc(n) {
				d.markTypeError(path)
				return []*Error{d.ErrorAt(path, fmt.Sprintf("cannot use %v here; expected an integer", n))}
			}
		default:
			return []*Error{d.mismatch(path, v, t)}
		}
	case reflect.Float32, reflect.Float64:
		switch v.(type) {
		case int, int64, uint64, float64:
		default:
			return []*Error{d.mismatch(path, v, t)}
		}
	}
	return errs
}

func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Kind() == reflect.Interface || p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler)
}

// structField finds the Go type of a JSON field, through inlined structs.
func structField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == "" && f.Anonymous {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if inner, ok := structField(ft, name); ok {
					return inner, true
				}
			}
			continue
		}
		if tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

// mismatch says what was given and what the field takes, in YAML's terms.
func (d *Document) mismatch(path string, v any, t reflect.Type) *Error {
	d.markTypeError(path)
	if t == flinkVersion {
		return d.ErrorAt(path, d.flinkVersionMismatch(path, v))
	}
	return d.ErrorAt(path, fmt.Sprintf("cannot use %s here; expected %s", given(v), expected(t)))
}

// given names the kind of value written. For numbers, which YAML may
// have changed (1.20 reads as 1.2), flinkVersionMismatch quotes the text.
func given(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64, float64:
		return "a number"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v", v)
}

func expected(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	}
	return "a mapping"
}

func (d *Document) markTypeError(path string) {
	if d.typeErrPaths == nil {
		d.typeErrPaths = map[string]bool{}
	}
	d.typeErrPaths[path] = true
}

var releaseNumber = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?$`)

// flinkVersionMismatch explains the commonest slip, flinkVersion: 1.20,
// which YAML reads as a number (and as 1.2, so the text is quoted).
func (d *Document) flinkVersionMismatch(path string, v any) string {
	names := make([]string, len(v1beta1.SupportedFlinkVersions))
	for i, v := range v1beta1.SupportedFlinkVersions {
		names[i] = string(v)
	}
	what, example := given(v), "v1_20"
	text := d.scalarAt(path)
	if m := releaseNumber.FindStringSubmatch(text); m != nil {
		example = "v" + m[1] + "_" + m[2]
	}
	if text != "" && what == "a number" {
		what = "the number " + text
	}
	return fmt.Sprintf("cannot use %s here; the version is a string such as %s (v<major>_<minor>), one of %s",
		what, example, strings.Join(names, ", "))
}
