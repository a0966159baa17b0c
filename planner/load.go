package planner

import (
	"errors"
	"fmt"
	"sort"

	"github.com/flinkops/flink-operator/internal/parallel"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Source is one input file: the name errors report and its content.
type Source struct {
	Name string
	Data []byte
	// SessionJobs: Data holds FlinkSessionJobs only, its other documents
	// blank (SessionJobs reads it); else FlinkDeployments (decode.File).
	SessionJobs bool
}

// Set is the FlinkDeployments and FlinkSessionJobs of one version of the
// inputs, each by namespace/name.
type Set struct {
	docs        map[string]*decode.Document
	sessionJobs map[string]*decode.Document
}

// Load reads every FlinkDeployment and FlinkSessionJob of sources;
// namespace is given to those that name none. Every problem of every
// document is reported, as flink-render reports them; a namespace/name
// given twice is one. Session jobs are validated as the webhook does, with
// opts' jar schemes.
func Load(sources []Source, namespace string, opts Options) (*Set, []*decode.Error) {
	s := &Set{docs: map[string]*decode.Document{}, sessionJobs: map[string]*decode.Document{}}
	// Decoded in parallel, merged in order: the same errors, and the same
	// first of a namespace/name given twice, as one by one.
	decoded, decodeErrs := make([][]*decode.Document, len(sources)), make([][]*decode.Error, len(sources))
	parallel.ForEach(len(sources), func(i int) {
		if sources[i].SessionJobs {
			decoded[i], decodeErrs[i] = SessionJobs(sources[i], namespace, opts)
			return
		}
		decoded[i], decodeErrs[i] = decode.File(sources[i].Name, sources[i].Data)
	})
	var errs []*decode.Error
	for i := range sources {
		docs := decoded[i]
		errs = append(errs, decodeErrs[i]...)
		for _, doc := range docs {
			if sj := doc.SessionJob; sj != nil {
				key := sj.Namespace + "/" + sj.Name
				if prev, ok := s.sessionJobs[key]; ok {
					errs = append(errs, doc.ErrorAt("metadata.name", fmt.Sprintf("FlinkSessionJob %s is given twice (first at %s:%d)", key, prev.File, prev.Line)))
					continue
				}
				s.sessionJobs[key] = doc
				continue
			}
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

// Build plans every FlinkDeployment, then every FlinkSessionJob, of base
// and head, matched by namespace/name. Errors locate what does not render
// in its file, like flink-render's own; a plan with errors is not to be
// trusted.
func Build(base, head *Set, opts Options) (*Plan, []*decode.Error) {
	sorted := keysOf(base.docs, head.docs)
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
	parkSessionJobs(p, head)
	// Session jobs: nothing to render, so one by one.
	for _, k := range keysOf(base.sessionJobs, head.sessionJobs) {
		b, h := base.sessionJobs[k], head.sessionJobs[k]
		r, err := PlanSessionJob(sessionJobOf(b), sessionJobOf(h))
		if err == nil {
			err = sessionMismatch(sessionJobOf(h), head)
		}
		if err != nil {
			errs = append(errs, locate(err, b, h)...)
			continue
		}
		p.Resources = append(p.Resources, r)
		p.Restart = p.Restart.Worse(r.Restart)
	}
	return p, errs
}

// parkSessionJobs names, on each session cluster that restarts, the head's
// session jobs that run on it: the operator stops each of their jobs
// first (reconciler/sessionjob/park.go) and resumes it once the session
// runs its new spec. A stateless one restarts without state, which the
// plan's restart says.
func parkSessionJobs(p *Plan, head *Set) {
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.State != StateSession {
			continue
		}
		for _, k := range keysOf(nil, head.sessionJobs) {
			sj := sessionJobOf(head.sessionJobs[k])
			if sj == nil || sj.Namespace != r.Namespace || sj.Spec.DeploymentName != r.Name || sj.Spec.Job == nil {
				continue
			}
			what := "stops with a savepoint and resumes from it"
			switch {
			case sj.Spec.Job.State == v1beta1.JobStateSuspended:
				continue
			case submission.Defaulted(&sj.Spec).Job.UpgradeMode == v1beta1.UpgradeModeStateless:
				what = "is cancelled and submitted again without state"
				// A job restarts without its state: CI must hear it.
				r.Restart = r.Restart.Worse(RestartWithoutState)
				p.Restart = p.Restart.Worse(r.Restart)
			}
			r.SessionJobs = append(r.SessionJobs, sj.Namespace+"/"+sj.Name+": "+what)
		}
	}
}

// sessionMismatch refuses a head session job aimed at a FlinkDeployment of
// the head that is an application cluster.
func sessionMismatch(sj *v1beta1.FlinkSessionJob, head *Set) error {
	if sj == nil {
		return nil
	}
	fd := head.Get(sj.Namespace, sj.Spec.DeploymentName)
	if fd == nil {
		return nil
	}
	if path, msg := SessionMismatch(sj, SessionClusterOf(fd)); msg != "" {
		return &RenderError{Head: true, Err: &fieldError{path: path, msg: msg}}
	}
	return nil
}

// fieldError is a problem of one field, located at its line.
type fieldError struct{ path, msg string }

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

func keysOf(a, b map[string]*decode.Document) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	return sorted
}

func sessionJobOf(doc *decode.Document) *v1beta1.FlinkSessionJob {
	if doc == nil {
		return nil
	}
	return doc.SessionJob
}

// SessionJobs are the set's FlinkSessionJobs in namespace/name order.
func (s *Set) SessionJobs() []*v1beta1.FlinkSessionJob {
	keys := keysOf(s.sessionJobs, nil)
	out := make([]*v1beta1.FlinkSessionJob, len(keys))
	for i, k := range keys {
		out[i] = s.sessionJobs[k].SessionJob
	}
	return out
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
	var fe *fieldError
	if errors.As(err, &fe) {
		return []*decode.Error{doc.ErrorAt(fe.path, fe.msg)}
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
