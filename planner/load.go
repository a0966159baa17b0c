package planner

import (
	"errors"
	"fmt"
	"sort"

	"github.com/flinkops/flink-operator/internal/parallel"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Source is one input file: the name errors report and its content.
type Source struct {
	Name string
	Data []byte
}

// Set is the FlinkDeployments of one version of the inputs, by
// namespace/name.
type Set struct {
	docs map[string]*decode.Document
}

// Load reads every FlinkDeployment of sources; namespace is given to those
// that name none. Every problem of every document is reported, as
// flink-render reports them; a namespace/name given twice is one.
func Load(sources []Source, namespace string) (*Set, []*decode.Error) {
	s := &Set{docs: map[string]*decode.Document{}}
	// Decoded in parallel, merged in order: the same errors, and the same
	// first of a namespace/name given twice, as one by one.
	decoded, decodeErrs := make([][]*decode.Document, len(sources)), make([][]*decode.Error, len(sources))
	parallel.ForEach(len(sources), func(i int) {
		decoded[i], decodeErrs[i] = decode.File(sources[i].Name, sources[i].Data)
	})
	var errs []*decode.Error
	for i := range sources {
		docs := decoded[i]
		errs = append(errs, decodeErrs[i]...)
		for _, doc := range docs {
			fd := doc.Object
			if fd == nil {
				continue
			}
			if fd.Namespace == "" {
				fd.Namespace = namespace
			}
			key := fd.Namespace + "/" + fd.Name
			if prev, ok := s.docs[key]; ok {
				errs = append(errs, doc.ErrorAt("metadata.name", fmt.Sprintf("FlinkDeployment %s is given twice (first at %s:%d)", key, prev.File, prev.Line)))
				continue
			}
			s.docs[key] = doc
		}
	}
	return s, errs
}

// Get is the FlinkDeployment namespace/name, nil when the set has none.
func (s *Set) Get(namespace, name string) *v1beta1.FlinkDeployment {
	if doc := s.docs[namespace+"/"+name]; doc != nil {
		return doc.Object
	}
	return nil
}

// Build plans every FlinkDeployment of base and head, matched by
// namespace/name. Errors locate what does not render in its file, like
// flink-render's own; a plan with errors is not to be trusted.
func Build(base, head *Set, opts Options) (*Plan, []*decode.Error) {
	keys := map[string]bool{}
	for k := range base.docs {
		keys[k] = true
	}
	for k := range head.docs {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	p := &Plan{Restart: RestartNone, Resources: []Resource{}}
	// Planned in parallel (every resource is rendered twice), collected
	// in key order: the same plan as one by one.
	resources, planErrs := make([]Resource, len(sorted)), make([]error, len(sorted))
	parallel.ForEach(len(sorted), func(i int) {
		resources[i], planErrs[i] = PlanResource(objectOf(base.docs[sorted[i]]), objectOf(head.docs[sorted[i]]), opts)
	})
	var errs []*decode.Error
	for i, k := range sorted {
		if err := planErrs[i]; err != nil {
			errs = append(errs, locate(err, base.docs[k], head.docs[k])...)
			continue
		}
		p.Resources = append(p.Resources, resources[i])
		p.Restart = p.Restart.Worse(resources[i].Restart)
	}
	return p, errs
}

func objectOf(doc *decode.Document) *v1beta1.FlinkDeployment {
	if doc == nil {
		return nil
	}
	return doc.Object
}

// locate turns a planning error into errors at the lines of the document
// that caused it.
func locate(err error, base, head *decode.Document) []*decode.Error {
	doc := base
	var re *RenderError
	if errors.As(err, &re) && re.Head || doc == nil {
		doc = head
	}
	var invalid *renderer.InvalidError
	if errors.As(err, &invalid) {
		out := make([]*decode.Error, 0, len(invalid.Errors))
		for _, fe := range invalid.Errors {
			out = append(out, doc.ErrorAt(fe.Field, fe.ErrorBody()))
		}
		return out
	}
	return []*decode.Error{{File: doc.File, Line: doc.Line, Message: err.Error()}}
}

// Objects are the set's FlinkDeployments in namespace/name order.
func (s *Set) Objects() []*v1beta1.FlinkDeployment {
	keys := make([]string, 0, len(s.docs))
	for k := range s.docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*v1beta1.FlinkDeployment, len(keys))
	for i, k := range keys {
		out[i] = s.docs[k].Object
	}
	return out
}
