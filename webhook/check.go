package webhook

import (
	"encoding/json"
	"errors"
	"reflect"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// Options are the operator's settings the checks depend on.
type Options struct {
	// RenderContext is what the operator renders with (artifact fetcher
	// settings and the like), so that the webhook accepts exactly what the
	// operator can deploy. Run-time fields (restore path, job id) are
	// irrelevant here.
	RenderContext renderer.RenderContext
}

// Problem is one reason to refuse a FlinkDeployment.
type Problem struct {
	// Field is the field path, such as spec.job.parallelism; empty for a
	// problem with the whole object.
	Field string
	// Message says what is wrong and what is allowed.
	Message string
}

// String formats as "path: message", as flink-render does without its
// FILE:LINE prefix.
func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// Validator checks FlinkDeployments for admission.
type Validator struct {
	opts Options
}

// NewValidator returns a Validator with the operator's settings.
func NewValidator(opts Options) *Validator {
	return &Validator{opts: opts}
}

// Check returns every problem of a FlinkDeployment sent for admission: raw
// is the object as the API server sent it, old the stored object on an
// update (nil on create), namespace the request's namespace.
func (v *Validator) Check(raw []byte, old *v1beta1.FlinkDeployment, namespace string) []Problem {
	problems, _ := v.Review(raw, old, namespace)
	return problems
}

// Review is Check that also returns the warnings for the user: each
// setting the reference operator honours and this one does not
// (validation.Unsupported), the same list the operator reports as Warning
// events, so that kubectl apply prints it at once.
func (v *Validator) Review(raw []byte, old *v1beta1.FlinkDeployment, namespace string) (problems []Problem, warnings []string) {
	fd, decodeErrs := decode.Object(raw)
	for _, e := range decodeErrs {
		problems = append(problems, Problem{Field: e.Path, Message: e.Message})
	}
	if fd == nil {
		return problems, nil
	}
	if fd.Namespace == "" {
		fd.Namespace = namespace
	}
	// As in the reference operator, canaries are not validated.
	if v1beta1.IsCanary(fd) {
		return nil, nil
	}
	if old != nil && !changesSpec(old, fd) {
		// Metadata-only updates (labels, finalizers on the way to deletion)
		// never fail on rules the stored spec predates.
		return nil, nil
	}
	// The configuration is read once here. One that cannot be flattened
	// is reported instead of the render's problems, each on its own key,
	// and reads as empty for the transition rules; its value errors are the
	// render's to report, with everything else.
	config, configErrs := flinkconf.Parse(&fd.Spec)
	if config == nil {
		problems = append(problems, fromFieldErrors(configErrs)...)
		config = flinkconf.Empty(fd.Spec.FlinkVersion)
	} else {
		problems = append(problems, v.render(fd)...)
		for _, u := range validation.Unsupported(fd, config) {
			warnings = append(warnings, "unsupported, not acted on: "+u.String())
		}
	}
	if old != nil {
		// A status that cannot be read is the operator's problem to report;
		// it is no reason to refuse the user's edit.
		if last, err := v1beta1.ParseReconciledSpec(old.Status.ReconciliationStatus.LastReconciledSpec); err == nil && last != nil {
			problems = append(problems, fromFieldErrors(validation.ValidateTransitionWith(last, flinkconf.Read(last), &fd.Spec, config))...)
		}
	}
	return problems, warnings
}

// render runs what the operator runs before it deploys: validation,
// resource resolution and rendering.
func (v *Validator) render(fd *v1beta1.FlinkDeployment) []Problem {
	_, err := renderer.Render(fd, v.opts.RenderContext)
	var invalid *renderer.InvalidError
	switch {
	case errors.As(err, &invalid):
		return fromFieldErrors(invalid.Errors)
	case err != nil:
		return []Problem{{Message: err.Error()}}
	}
	return nil
}

// changesSpec reports whether an update changes the spec. An update of an
// object being deleted can only drop finalizers, so it changes nothing.
func changesSpec(old, next *v1beta1.FlinkDeployment) bool {
	if !old.DeletionTimestamp.IsZero() || !next.DeletionTimestamp.IsZero() {
		return false
	}
	// Compare as JSON values: the free-form parts (flinkConfiguration) are
	// kept as raw bytes, whose key order is no part of their meaning.
	return !reflect.DeepEqual(jsonValue(old.Spec), jsonValue(next.Spec))
}

func jsonValue(spec v1beta1.FlinkDeploymentSpec) any {
	b, err := json.Marshal(spec)
	if err != nil {
		return err.Error()
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return v
}

func fromFieldErrors(errs field.ErrorList) []Problem {
	out := make([]Problem, len(errs))
	for i, e := range errs {
		out[i] = Problem{Field: e.Field, Message: e.ErrorBody()}
	}
	return out
}
