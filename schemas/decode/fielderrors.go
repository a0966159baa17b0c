package decode

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

var (
	strictField = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)
	typeField   = regexp.MustCompile(`^json: cannot unmarshal (\w+) into Go struct field \w+\.(\S+) of type (\S+)$`)
	indexSuffix = regexp.MustCompile(`\[\d+\]$`)
)

func (d *Document) strictError(err error) *Error {
	m := strictField.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: d.File, Line: d.Line, Message: err.Error()}
	}
	path := m[2]
	if m[1] == "duplicate" {
		return d.ErrorAt(path, "field is given more than once")
	}
	parent, name := splitLast(path)
	msg := "unknown field"
	if known := knownFields(d.rootType, parent); len(known) > 0 {
		if s := closest(name, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; known fields here: " + strings.Join(known, ", ")
		}
	}
	return d.ErrorAt(path, msg)
}

func (d *Document) typeError(err error) *Error {
	if m := typeField.FindStringSubmatch(err.Error()); m != nil {
		return d.ErrorAt(m[2], fmt.Sprintf("cannot use a %s here; expected %s", m[1], describeType(m[3])))
	}
	return &Error{File: d.File, Line: d.Line, Message: err.Error()}
}

func describeType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int32", "int64", "int":
		return "an integer"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	}
	return "a mapping (" + goType + ")"
}

func splitLast(path string) (string, string) {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// knownFields lists the JSON field names of the Go type at a field path
// below root.
func knownFields(root reflect.Type, path string) []string {
	t := root
	if path != "" {
		for _, seg := range strings.Split(path, ".") {
			seg = indexSuffix.ReplaceAllString(seg, "")
			t = fieldType(t, seg)
			if t == nil {
				return nil
			}
		}
	}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	collectNames(t, &names)
	sort.Strings(names)
	return names
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}

func fieldType(t reflect.Type, name string) reflect.Type {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == "" && f.Anonymous {
			if ft := fieldType(f.Type, name); ft != nil {
				return ft
			}
			continue
		}
		if tag == name {
			return f.Type
		}
	}
	return nil
}

func collectNames(t reflect.Type, names *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		switch {
		case tag == "-":
		case tag == "" && f.Anonymous:
			collectNames(deref(f.Type), names)
		case tag != "":
			*names = append(*names, tag)
		}
	}
}

// closest returns the known name nearest to name (case-insensitive edit
// distance), or "" when none is near enough to be a likely typo: about one
// edit in three characters, so that "paralelism" finds "parallelism" but
// "replicaCount" does not find "serviceAccount".
func closest(name string, known []string) string {
	best, bestDist := "", len(name)/3+1
	for _, k := range known {
		dist := editDistance(strings.ToLower(name), strings.ToLower(k))
		if dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
