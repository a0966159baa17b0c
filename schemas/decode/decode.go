// Package decode reads FlinkDeployments (and, through Resources, the
// FlinkSessionJobs beside them) from multi-document YAML strictly:
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
	// SessionJob is the decoded FlinkSessionJob of a document that
	// Resources read, with Object nil; File refuses the kind.
	SessionJob *v1beta1.FlinkSessionJob

	root *yaml.Node
	// rootType is the Go type the document decodes into, for the known
	// fields an unknown-field error suggests.
	rootType reflect.Type
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
	return file(name, data, false)
}

// Resources is File for readers that handle FlinkSessionJobs as well: a
// document of that kind yields a Document with SessionJob set, decoded as
// strictly as a FlinkDeployment. The admission webhook reads session jobs
// (SessionJobObject); flink-render keeps File, which refuses the kind
// (docs/design/sessionjob.md).
func Resources(name string, data []byte) ([]*Document, []*Error) {
	return file(name, data, true)
}

func file(name string, data []byte, sessionJobs bool) ([]*Document, []*Error) {
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
		docErrs := doc.decode(sessionJobs)
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

// decode decodes the document into Object, or SessionJob when sessionJobs
// allows the kind, and returns its problems. Neither is set when the
// document cannot be decoded at all.
func (d *Document) decode(sessionJobs bool) []*Error {
	if d.root.Kind != yaml.MappingNode {
		return []*Error{{File: d.File, Line: d.Line, Message: "document is not a Kubernetes object (expected a YAML mapping with apiVersion and kind)"}}
	}
	// Duplicate keys are found on the node tree, where the path and both
	// lines are known; the decoder below would only say "already defined".
	if errs := d.duplicateKeys(d.root, ""); len(errs) > 0 {
		return errs
	}
	var generic any
	if err := d.root.Decode(&generic); err != nil {
		return []*Error{yamlError(d.File, err)}
	}
	generic, err := jsonCompatible(generic, "")
	if err != nil {
		return []*Error{{File: d.File, Line: d.Line, Message: err.Error()}}
	}
	obj, _ := generic.(map[string]any)
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if e := d.checkKind(apiVersion, kind, sessionJobs); e != nil {
		return []*Error{e}
	}
	if e := d.checkConfigShape(obj); e != nil {
		return []*Error{e}
	}
	var into any
	if kind == v1beta1.KindFlinkSessionJob {
		into, d.rootType = &v1beta1.FlinkSessionJob{}, reflect.TypeFor[v1beta1.FlinkSessionJob]()
	} else {
		into, d.rootType = &v1beta1.FlinkDeployment{}, reflect.TypeFor[v1beta1.FlinkDeployment]()
	}
	// Every type error, each at its own line; the values are removed so
	// that the decode below sees none of them.
	typeErrs := d.typeErrors(obj, d.rootType, "")
	raw, err := jsonMarshal(generic)
	if err != nil {
		return []*Error{{File: d.File, Line: d.Line, Message: err.Error()}}
	}
	strict, err := sigsjson.UnmarshalStrict(raw, into)
	if err != nil {
		return []*Error{d.typeError(err)}
	}
	errs := typeErrs
	for _, s := range strict {
		errs = append(errs, d.strictError(s))
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	// Unknown fields were skipped, the rest decoded: keep the object so that
	// its other problems can be reported in the same run.
	switch o := into.(type) {
	case *v1beta1.FlinkSessionJob:
		d.SessionJob = o
	case *v1beta1.FlinkDeployment:
		d.Object = o
	}
	return errs
}

func (d *Document) checkKind(apiVersion, kind string, sessionJobs bool) *Error {
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
	case v1beta1.KindFlinkSessionJob:
		if sessionJobs && apiVersion == v1beta1.GroupVersion.String() {
			return nil
		}
		if sessionJobs && group == v1beta1.GroupVersion.Group {
			return d.ErrorAt("apiVersion", fmt.Sprintf("%q is not supported for FlinkSessionJob; use %s", apiVersion, v1beta1.GroupVersion.String()))
		}
		if group == v1beta1.GroupVersion.Group {
			return d.ErrorAt("kind", fmt.Sprintf("kind %s is not supported yet; only FlinkDeployment is", kind))
		}
	case v1beta1.KindFlinkStateSnapshot, v1beta1.KindFlinkBlueGreenDeployment:
		if group == v1beta1.GroupVersion.Group && sessionJobs {
			return d.ErrorAt("kind", fmt.Sprintf("kind %s is not supported yet; only FlinkDeployment and FlinkSessionJob are", kind))
		}
		if group == v1beta1.GroupVersion.Group {
			return d.ErrorAt("kind", fmt.Sprintf("kind %s is not supported yet; only FlinkDeployment is", kind))
		}
	}
	if sessionJobs {
		return d.ErrorAt("kind", fmt.Sprintf("kind %s (%s) is not supported; only FlinkDeployment and FlinkSessionJob (%s) are", kind, apiVersion, v1beta1.GroupVersion.String()))
	}
	return d.ErrorAt("kind", fmt.Sprintf("kind %s (%s) is not supported; only FlinkDeployment (%s) is", kind, apiVersion, v1beta1.GroupVersion.String()))
}
