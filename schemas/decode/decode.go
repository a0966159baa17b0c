// Package decode reads FlinkDeployments from multi-document YAML strictly:
// unknown fields (typos such as "jobmanager") and duplicate fields are
// errors, and every error carries the file and line it points at.
package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	sigsjson "sigs.k8s.io/json"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Document is one YAML document of an input file.
type Document struct {
	// File is the name errors use for the input ("-" for stdin).
	File string
	// Index is the 0-based position of the document in the file.
	Index int
	// Line is the first line of the document.
	Line int
	// Object is the decoded FlinkDeployment; nil when decoding failed. It is
	// set even when unknown fields were reported, so later checks can
	// report the document's other problems too.
	Object *v1beta1.FlinkDeployment

	root *yaml.Node
	// typeErrPaths are the fields reported for a value of the wrong type;
	// the value was dropped, so checks after decoding would find them
	// missing (see Reported).
	typeErrPaths map[string]bool
}

// Reported tells whether decoding reported path, or a field above it, as
// having a value of the wrong type: what later checks say about it would
// only repeat that the value is missing.
func (d *Document) Reported(path string) bool {
	for p := path; p != ""; {
		if d.typeErrPaths[p] {
			return true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false
}

// Error is a problem found at a place in an input file.
type Error struct {
	File    string
	Line    int
	Path    string
	Message string
}

// Error formats as FILE:LINE: path: message, or path: message for an
// object that came from no file (see Object).
func (e *Error) Error() string {
	if e.File == "" && e.Line == 0 {
		if e.Path == "" {
			return e.Message
		}
		return e.Path + ": " + e.Message
	}
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", loc, e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Path, e.Message)
}

// ErrorAt builds an Error for a field path of this document, pointing at
// the line of the deepest part of the path present in the input.
func (d *Document) ErrorAt(path, message string) *Error {
	return &Error{File: d.File, Line: d.LineOf(path), Path: path, Message: message}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// File decodes every document of one input. Documents that are empty are
// skipped; each other document yields a Document or errors (or both, when
// the document is a FlinkDeployment with bad fields). Decoding never stops
// at the first bad document.
func File(name string, data []byte) ([]*Document, []*Error) {
	var docs []*Document
	var errs []*Error
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for index := 0; ; index++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, yamlError(name, err))
			// The YAML stream cannot be resynchronised after a syntax error.
			break
		}
		if node.Kind != yaml.DocumentNode || len(node.Content) == 0 || isNull(node.Content[0]) {
			continue
		}
		doc := &Document{File: name, Index: index, Line: node.Content[0].Line, root: node.Content[0]}
		obj, docErrs := doc.decode()
		doc.Object = obj
		docs = append(docs, doc)
		errs = append(errs, docErrs...)
	}
	// An empty input is a mistake (a wrong path, a failed redirect), not a
	// render of nothing: say so rather than print nothing and succeed.
	// Object (name "") says it its own way.
	if len(docs) == 0 && len(errs) == 0 && name != "" {
		errs = append(errs, &Error{File: name, Message: "holds no FlinkDeployment: the input is empty or only comments"})
	}
	return docs, errs
}

func yamlError(file string, err error) *Error {
	// Errors found while decoding a parsed document (yaml.TypeError) list
	// one "line N: problem" per line; report the first with its line.
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New("yaml: " + te.Errors[0])
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Message: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (d *Document) decode() (*v1beta1.FlinkDeployment, []*Error) {
	if d.root.Kind != yaml.MappingNode {
		return nil, []*Error{{File: d.File, Line: d.Line, Message: "document is not a Kubernetes object (expected a YAML mapping with apiVersion and kind)"}}
	}
	// Duplicate keys are found on the node tree, where the path and both
	// lines are known; the decoder below would only say "already defined".
	if errs := d.duplicateKeys(d.root, ""); len(errs) > 0 {
		return nil, errs
	}
	var generic any
	if err := d.root.Decode(&generic); err != nil {
		return nil, []*Error{yamlError(d.File, err)}
	}
	generic, err := jsonCompatible(generic, "")
	if err != nil {
		return nil, []*Error{{File: d.File, Line: d.Line, Message: err.Error()}}
	}
	obj, _ := generic.(map[string]any)
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if e := d.checkKind(apiVersion, kind); e != nil {
		return nil, []*Error{e}
	}
	if e := d.checkConfigShape(obj); e != nil {
		return nil, []*Error{e}
	}
	// Every type error, each at its own line; the values are removed so
	// that the decode below sees none of them.
	typeErrs := d.typeErrors(obj, reflect.TypeFor[v1beta1.FlinkDeployment](), "")
	raw, err := jsonMarshal(generic)
	if err != nil {
		return nil, []*Error{{File: d.File, Line: d.Line, Message: err.Error()}}
	}
	fd := &v1beta1.FlinkDeployment{}
	strict, err := sigsjson.UnmarshalStrict(raw, fd)
	if err != nil {
		return nil, []*Error{d.typeError(err)}
	}
	errs := typeErrs
	for _, s := range strict {
		errs = append(errs, d.strictError(s))
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	// Unknown fields were skipped, the rest decoded: keep the object so that
	// its other problems can be reported in the same run.
	return fd, errs
}

func (d *Document) checkKind(apiVersion, kind string) *Error {
	switch {
	case kind == "":
		return d.ErrorAt("kind", "is missing; expected kind: FlinkDeployment")
	case apiVersion == "":
		return d.ErrorAt("apiVersion", "is missing; expected apiVersion: "+v1beta1.GroupVersion.String())
	}
	group := strings.SplitN(apiVersion, "/", 2)[0]
	switch kind {
	case v1beta1.KindFlinkDeployment:
		if apiVersion != v1beta1.GroupVersion.String() {
			return d.ErrorAt("apiVersion", fmt.Sprintf("%q is not supported for FlinkDeployment; use %s", apiVersion, v1beta1.GroupVersion.String()))
		}
		return nil
	case v1beta1.KindFlinkSessionJob, v1beta1.KindFlinkStateSnapshot, v1beta1.KindFlinkBlueGreenDeployment:
		if group == v1beta1.GroupVersion.Group {
			return d.ErrorAt("kind", fmt.Sprintf("kind %s is not supported yet; only FlinkDeployment is", kind))
		}
	}
	return d.ErrorAt("kind", fmt.Sprintf("kind %s (%s) is not supported; only FlinkDeployment (%s) is", kind, apiVersion, v1beta1.GroupVersion.String()))
}
