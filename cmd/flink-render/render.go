package main

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/planner"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// renderOptions are the settings of one render, shared by the command
// line and the KRM function.
type renderOptions struct {
	namespace    string
	context      renderer.RenderContext
	deployedWith *v1beta1.DeployedWith // --job-id, --restore-path
	strictKinds  bool
}

// rendered is what one input renders to.
type rendered struct {
	// objects are the input's other kinds, passed through in the order
	// written, then the objects of its FlinkDeployments.
	objects []*unstructured.Unstructured
	errs    []*decode.Error
	// warnings are settings the operator would not carry out; notes name
	// the kinds it does not handle yet. Neither fails the render.
	warnings []*decode.Error
	notes    []string
	// sessionJobs are the input's valid FlinkSessionJobs, whose
	// submissions are printed once every input's sessions are known
	// (submissions); sessions are its FlinkDeployments.
	sessionJobs []*decode.Document
	sessions    []sessionRef
}

// renderInput renders every FlinkDeployment of one input, reads its
// FlinkSessionJobs, and passes its other kinds through (splitKinds).
func renderInput(name string, data []byte, opts renderOptions) rendered {
	var r rendered
	sp, err := splitKinds(name, data, opts.strictKinds)
	if err != nil {
		r.errs = append(r.errs, &decode.Error{File: name, Message: err.Error()})
		return r
	}
	r.objects = append(r.objects, sp.other...)
	r.notes = sp.notes
	r.sessions = sp.sessions
	sjTexts := sp.sessionJobItems
	if sp.sessionJobs != nil {
		sjTexts = append([][]byte{sp.sessionJobs}, sjTexts...)
	}
	for _, text := range sjTexts {
		docs, errs := planner.SessionJobs(planner.Source{Name: name, Data: text}, opts.namespace, planner.OptionsOf(opts.context))
		r.sessionJobs = append(r.sessionJobs, docs...)
		r.errs = append(r.errs, errs...)
	}
	warn := func(e *decode.Error) { r.warnings = append(r.warnings, e) }
	texts := sp.items
	if sp.flink != nil {
		texts = append([][]byte{sp.flink}, texts...)
	}
	for _, text := range texts {
		var objs []*unstructured.Unstructured
		var errs []*decode.Error
		src := planner.Source{Name: name, Data: text}
		if opts.deployedWith != nil || planner.HasDeployedWith(src) {
			// A live object (or --job-id, --restore-path): rendered as
			// its cluster runs, so that kubectl diff shows no change.
			objs, errs = planner.RenderDeployed(src, opts.namespace, opts.deployedWith, planner.OptionsOf(opts.context), warn)
		} else {
			objs, errs = renderer.RenderFile(name, text, renderer.FileOptions{
				Namespace: opts.namespace, Context: opts.context, Warn: warn,
			})
		}
		r.objects = append(r.objects, objs...)
		r.errs = append(r.errs, errs...)
	}
	// In the order of the input, whichever part found the problem.
	sort.SliceStable(r.errs, func(i, j int) bool { return r.errs[i].Line < r.errs[j].Line })
	return r
}

// submissions are the job submissions of the session jobs of results, in
// input order: each on its session as the inputs hold it (a
// FlinkDeployment of any input, in the session job's namespace), or, when
// none does, on an assumed one. restorePath is --restore-path. A session
// job its session cannot run is an error (planner.SessionMismatch).
func submissions(results []rendered, namespace string, restorePath *string, mirrors artifact.Mirrors) ([]planner.Submission, []*decode.Error) {
	sessions := map[string]*planner.SessionCluster{}
	for _, r := range results {
		for _, ref := range r.sessions {
			ns := ref.namespace
			if ns == "" {
				ns = namespace
			}
			if _, seen := sessions[ns+"/"+ref.name]; !seen {
				sessions[ns+"/"+ref.name] = &ref.cluster
			}
		}
	}
	var out []planner.Submission
	var errs []*decode.Error
	for _, r := range results {
		for _, doc := range r.sessionJobs {
			sj := doc.SessionJob
			session := sessions[sj.Namespace+"/"+sj.Spec.DeploymentName]
			if path, msg := planner.SessionMismatch(sj, session); msg != "" {
				errs = append(errs, doc.ErrorAt(path, msg))
				continue
			}
			sub, err := planner.SubmissionOf(sj, session, restorePath, mirrors)
			if err != nil {
				errs = append(errs, &decode.Error{File: doc.File, Line: doc.Line, Message: err.Error()})
				continue
			}
			out = append(out, sub)
		}
	}
	return out, errs
}
