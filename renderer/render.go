// Package renderer turns a FlinkDeployment and a RenderContext into the
// Kubernetes objects of its Flink cluster. It is a pure function: the same
// inputs give the same bytes, with no clock, randomness or cluster access.
// flink-render and the operator both call Render, so what the CLI prints is
// what the operator applies.
package renderer

import (
	"cuelang.org/go/cue"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// RenderContext carries what the operator decides at run time. The zero
// value is a fresh deploy: the job starts from spec.job.initialSavepointPath
// when set, otherwise empty.
type RenderContext struct {
	// RestorePath is the savepoint or checkpoint the job restores from. It
	// wins over spec.job.initialSavepointPath.
	RestorePath string
	// StartEmpty starts the job without state even when
	// spec.job.initialSavepointPath is set (a stateless redeploy).
	StartEmpty bool
	// JobID fixes the Flink job id (32 lower-case hex characters), so a
	// restarted JobManager keeps its job's identity.
	JobID string
	// DesiredState overrides spec.job.state, for example to keep a job
	// running until its savepoint completes. Empty means spec.job.state.
	DesiredState v1beta1.JobState
	// FetcherImage runs the init container that downloads a remote
	// spec.job.jarURI (https, s3, gs); it must hold the flink-fetch binary
	// at /usr/local/bin/flink-fetch. Empty means DefaultFetcherImage.
	FetcherImage string
	// AllowHTTPArtifacts accepts plain http:// jarURIs; without it they are
	// invalid.
	AllowHTTPArtifacts bool
	// ArtifactSchemes are the remote jar schemes accepted
	// (--artifact-schemes); nil accepts https, s3 and gs.
	ArtifactSchemes []string
	// ArtifactMirrors (--artifact-mirror) fetch a remote jarURI from a
	// mirror: the init container is given the mirrored URI.
	ArtifactMirrors artifact.Mirrors `json:",omitempty"`
}

// ValidationOptions are the operator's settings that validation reads:
// the same for the webhook, the controller and flink-render.
func (rc RenderContext) ValidationOptions() validation.Options {
	return validation.Options{AllowHTTPArtifacts: rc.AllowHTTPArtifacts, Schemes: rc.ArtifactSchemes}
}

// Result is a rendered cluster.
type Result struct {
	// Objects in apply order (see KindOrder).
	Objects []*unstructured.Unstructured
	// FlinkConfiguration is the configuration Flink gets, sorted by key.
	FlinkConfiguration []v1beta1.ConfigEntry
	// ConfigFile is the name of the Flink configuration file.
	ConfigFile string
	// Unsupported lists what the FlinkDeployment asks of the reference
	// operator that this operator does not do (not errors; see
	// validation.Unsupported).
	Unsupported []validation.UnsupportedSetting
}

// InvalidError reports every problem with a FlinkDeployment.
type InvalidError struct {
	Errors field.ErrorList
}

func (e *InvalidError) Error() string {
	return "invalid FlinkDeployment: " + validation.Describe(e.Errors)
}

// Render validates a FlinkDeployment and renders its objects. The input is
// not modified. Invalid input gives an *InvalidError listing every problem.
func Render(in *v1beta1.FlinkDeployment, rc RenderContext) (*Result, error) {
	return templates.render(in, rc)
}

// render is Render with the templates of t (tests compare the renderer's
// set with one that keeps CUE's checks on; templates.go).
func (t *templateSet) render(in *v1beta1.FlinkDeployment, rc RenderContext) (*Result, error) {
	if v1beta1.IsCanary(in) {
		// Canaries only prove the operator reconciles; they deploy nothing
		// and, as in the reference operator, skip validation.
		return &Result{}, nil
	}
	p, err := t.prepare(in, rc)
	if err != nil {
		return nil, err
	}
	out, err := evaluate(p.template, p.input, p.artifact)
	if err != nil {
		return nil, objref.Of("FlinkDeployment", p.fd).Errorf("render: %w", err)
	}
	res, err := overlay(p.fd, p.userConfig, p.decorations, out)
	if err != nil {
		return nil, err
	}
	res.Unsupported = p.unsupported
	return res, nil
}

// prepared is a FlinkDeployment made ready for its template: defaulted,
// validated and reduced to the template's input.
type prepared struct {
	fd         *v1beta1.FlinkDeployment
	userConfig []v1beta1.ConfigEntry
	template   cue.Value
	input      *templateInput
	artifact   *artifactInput
	// decorations are the Kubernetes keys of Flink's decorators
	// (flinkdecorators.go); nil when none is set. The templates place what
	// is in input.decorations; overlay adds the user-keyed rest.
	decorations *flinkconf.Decorations
	unsupported []validation.UnsupportedSetting
}

// prepare is templateSet.prepare with the renderer's templates.
func prepare(in *v1beta1.FlinkDeployment, rc RenderContext) (*prepared, error) {
	return templates.prepare(in, rc)
}

// prepare does everything before the template is evaluated. Every problem it
// finds is reported in one *InvalidError.
func (t *templateSet) prepare(in *v1beta1.FlinkDeployment, rc RenderContext) (*prepared, error) {
	fd := in.DeepCopy()
	fd.Default()

	// The configuration is read once; its value errors and the rules come
	// first, so that every problem is reported together.
	settings, errs := flinkconf.Parse(&fd.Spec)
	if settings == nil {
		return nil, &InvalidError{Errors: errs}
	}
	errs = append(errs, validation.ValidateWithOptions(fd, settings, rc.ValidationOptions())...)
	key := templateKey{mode: *fd.Spec.Mode, version: fd.Spec.FlinkVersion}
	if _, known := modePackages[key.mode]; !known || !key.version.IsSupported() {
		// Validation has said why; there is no template to go further with.
		return nil, &InvalidError{Errors: errs}
	}
	tmpl, err := t.get(key)
	if err != nil {
		return nil, err
	}
	// Resolving resources finds the remaining problems (memory, cpu), and
	// the keys of Flink's decorators, read with the rest of the
	// configuration, bring theirs (labels, secrets...); they are reported
	// after, and together with, the validation errors.
	input, fetched, inputErrs := buildInput(fd, settings, rc)
	standalone := key.mode == v1beta1.ModeStandalone
	decorations := settings.Decorations
	if decorations != nil {
		inputErrs = append(inputErrs, decorations.Errs...)
	}
	if errs = append(errs, notYetReported(inputErrs, errs)...); len(errs) > 0 {
		return nil, &InvalidError{Errors: errs}
	}
	// As the reference operator's UserLibMountDecorator: a secret mounted
	// at usrlib takes the place of the emptyDir there.
	if standalone && input.Job != nil && fetched == nil && mountsUnder(decorations, userLibPath) {
		input.JobManagerMountsUserLib = true
	}
	fillDecorations(input, decorations)
	return &prepared{
		fd: fd, userConfig: withoutOverruled(settings.Entries(), settings.IgnoreUnclaimedOverruled(fd.Spec.Job)), template: tmpl, input: input, artifact: fetched, decorations: decorations,
		unsupported: validation.Unsupported(fd, settings),
	}, nil
}

// evaluate fills the input (and the fetched artifact, if any) into the
// template and decodes the output.
func evaluate(tmpl cue.Value, input *templateInput, fetched *artifactInput) (*templateOutput, error) {
	v := tmpl.FillPath(pathInput, input)
	if fetched != nil {
		v = v.FillPath(pathArtifact, fetched)
	}
	// decodeOutput fails on the first value that is not concrete, so no
	// separate Validate pass is needed (decode.go).
	return decodeOutput(v.LookupPath(pathOutput))
}

// notYetReported drops the errors on fields that already have one: the
// renderer re-reads some fields validation checks too (spec.job.jarURI),
// and one message per field is enough.
func notYetReported(errs, reported field.ErrorList) field.ErrorList {
	seen := map[string]bool{}
	for _, e := range reported {
		seen[e.Field] = true
	}
	var out field.ErrorList
	for _, e := range errs {
		if !seen[e.Field] {
			out = append(out, e)
		}
	}
	return out
}
