package renderer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/decode"
)

// FileOptions controls RenderFile.
type FileOptions struct {
	// Namespace for FlinkDeployments that name none.
	Namespace string
	// Context is used for every FlinkDeployment of the file.
	Context RenderContext
	// Warn, when set, receives each setting a rendered FlinkDeployment asks
	// of the reference operator that this operator does not carry out
	// (Result.Unsupported), located like an error.
	Warn func(*decode.Error)
}

// RenderFile renders every FlinkDeployment of a multi-document YAML input.
// It reports every problem of every document, each as a *decode.Error
// (FILE:LINE: path: message), and never stops at the first.
func RenderFile(name string, data []byte, opts FileOptions) ([]*unstructured.Unstructured, []*decode.Error) {
	docs, errs := decode.File(name, data)
	var objs []*unstructured.Unstructured
	for _, doc := range docs {
		fd := doc.Object
		if fd == nil {
			continue
		}
		if fd.Namespace == "" {
			fd.Namespace = opts.Namespace
		}
		res, err := Render(fd, opts.Context)
		var invalid *InvalidError
		switch {
		case errors.As(err, &invalid):
			for _, fe := range invalid.Errors {
				if doc.Reported(fe.Field) {
					continue // decoding said what is wrong with it
				}
				errs = append(errs, doc.ErrorAt(fe.Field, fe.ErrorBody()))
			}
		case err != nil:
			errs = append(errs, &decode.Error{File: doc.File, Line: doc.Line, Message: err.Error()})
		default:
			objs = append(objs, res.Objects...)
			if opts.Warn != nil {
				for _, u := range res.Unsupported {
					opts.Warn(doc.ErrorAt(u.Field.String(), u.Detail))
				}
			}
		}
	}
	// Report in the order of the input, whichever check found the problem.
	sort.SliceStable(errs, func(i, j int) bool {
		return errs[i].Line < errs[j].Line
	})
	return objs, errs
}

// EncodeYAML writes objects as a multi-document YAML stream.
func EncodeYAML(objs []*unstructured.Unstructured) ([]byte, error) {
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := MarshalYAML(o.Object)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", ObjectID(o), err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// EncodeJSON writes objects as one Kubernetes List, as kubectl does.
func EncodeJSON(objs []*unstructured.Unstructured) ([]byte, error) {
	items := make([]map[string]any, len(objs))
	for i, o := range objs {
		items[i] = o.Object
	}
	b, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode list: %w", err)
	}
	return append(b, '\n'), nil
}

// ObjectID names an object the way errors and logs do: Kind/namespace/name.
func ObjectID(o *unstructured.Unstructured) string {
	return objref.Of(o.GetKind(), o).String()
}

// FileName is the file an object gets with flink-render --output-dir.
func FileName(o *unstructured.Unstructured, ext string) string {
	return strings.ToLower(fmt.Sprintf("%s_%s_%s.%s", o.GetNamespace(), o.GetKind(), o.GetName(), ext))
}
