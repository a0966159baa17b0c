package planner

import (
	"fmt"
	"reflect"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// Options are the operator-wide settings a plan renders with.
type Options struct {
	// FetcherImage and AllowHTTPArtifacts are the operator's
	// --fetcher-image and --allow-http-artifacts.
	FetcherImage       string
	AllowHTTPArtifacts bool
	// ArtifactSchemes are the operator's --artifact-schemes.
	ArtifactSchemes []string
	// ArtifactMirrors are the operator's --artifact-mirror.
	ArtifactMirrors artifact.Mirrors
}

// OptionsOf are the operator-wide settings of rc.
func OptionsOf(rc renderer.RenderContext) Options {
	return Options{FetcherImage: rc.FetcherImage, AllowHTTPArtifacts: rc.AllowHTTPArtifacts, ArtifactSchemes: rc.ArtifactSchemes, ArtifactMirrors: rc.ArtifactMirrors}
}

func (o Options) with(rc renderer.RenderContext) renderer.RenderContext {
	rc.FetcherImage, rc.AllowHTTPArtifacts, rc.ArtifactSchemes = o.FetcherImage, o.AllowHTTPArtifacts, o.ArtifactSchemes
	rc.ArtifactMirrors = o.ArtifactMirrors
	return rc
}

// RenderError is a base or head that does not render: the input is invalid.
type RenderError struct {
	// Head: the head failed to render, else the base.
	Head bool
	Err  error
}

func (e *RenderError) Error() string { return e.Err.Error() }
func (e *RenderError) Unwrap() error { return e.Err }

// PlanResource plans the change of one FlinkDeployment from base to head.
// base is nil for a new FlinkDeployment, head for a deleted one. A base
// that carries a status (a live object) is planned from what its status
// says is deployed.
func PlanResource(base, head *v1beta1.FlinkDeployment, opts Options) (Resource, error) {
	id := head
	if id == nil {
		id = base
	}
	r := Resource{Kind: v1beta1.KindFlinkDeployment, Namespace: id.Namespace, Name: id.Name, Restart: RestartNone}
	switch {
	case base == nil:
		return r, r.added(head, opts)
	case head == nil:
		return r, r.removed(base, opts)
	}
	dep, err := deployedOf(base)
	if err != nil {
		return r, &RenderError{Err: err}
	}
	r.Live, r.Assumptions = dep.live, dep.assumptions
	// A file's objects are compared as flink-render prints them; a live
	// object's as its cluster was rendered (its job id, its restore path).
	rc := renderer.RenderContext{}
	if dep.live {
		rc = gate.DeployedContext(dep.status)
	}
	running := base.DeepCopy()
	running.Spec = *dep.spec
	before, err := renderer.Render(running, opts.with(rc))
	if err != nil {
		return r, &RenderError{Err: err}
	}
	// A file's FlinkDeployment the same in base and head renders the same
	// objects (Render defaults its input, as running is defaulted): render
	// it once. A live base renders its lastReconciledSpec, not its spec.
	after := before
	if dep.live || !reflect.DeepEqual(base, head) {
		if after, err = renderer.Render(head, opts.with(rc)); err != nil {
			return r, &RenderError{Head: true, Err: err}
		}
	}
	if r.Objects, err = diffObjects(before.Objects, after.Objects); err != nil {
		return r, err
	}

	var c Classification
	if errs := validation.ValidateTransition(dep.spec, &head.Spec); len(errs) > 0 {
		// The operator's validate: the last valid spec keeps running.
		c = Classification{Change: ChangeHeld, Restart: RestartHeld,
			Reason: "invalid spec, the last valid spec keeps running: " + validation.Describe(errs)}
	} else {
		diff, err := gate.ClassifyRendered(head, dep.spec, Defaulted(&head.Spec), opts.with(gate.DeployedContext(dep.status)), renderer.Render)
		if err != nil {
			return r, &RenderError{Head: true, Err: err}
		}
		c = Decide(dep.input(base, head, diff))
	}
	r.Change, r.Action, r.State, r.RestorePath = c.Change, c.Action, c.State, c.RestorePath
	r.StateRule, r.Reason, r.Fields, r.Restart = c.StateRule, c.Reason, c.Fields, c.Restart
	r.Summary = summary(c)
	return r, nil
}

func (r *Resource) added(head *v1beta1.FlinkDeployment, opts Options) error {
	res, err := renderer.Render(head, opts.with(renderer.RenderContext{}))
	if err != nil {
		return &RenderError{Head: true, Err: err}
	}
	r.Change = ChangeAdded
	r.Summary = "new: the cluster is deployed"
	if head.Spec.Job != nil {
		r.Summary = "new: the job starts"
		if p := head.Spec.Job.InitialSavepointPath; p != "" {
			r.Summary += " from " + p
		}
	}
	r.Objects, err = diffObjects(nil, res.Objects)
	return err
}

func (r *Resource) removed(base *v1beta1.FlinkDeployment, opts Options) error {
	spec, rc := &base.Spec, renderer.RenderContext{}
	if IsLive(base) {
		dep, err := deployedFromStatus(base)
		if err != nil {
			return &RenderError{Err: err}
		}
		spec, rc = dep.spec, gate.DeployedContext(dep.status)
	}
	running := base.DeepCopy()
	running.Spec = *spec
	res, err := renderer.Render(running, opts.with(rc))
	if err != nil {
		return &RenderError{Err: err}
	}
	r.Change = ChangeRemoved
	r.Summary = "deleted: the operator deletes the cluster and Flink's HA data, without a savepoint"
	if !gate.Suspended(spec) {
		r.Restart = RestartWithoutState
	}
	r.Objects, err = diffObjects(res.Objects, nil)
	return err
}

// summary is a classification in one sentence.
func summary(c Classification) string {
	switch c.Change {
	case ChangeNone:
		return "no change"
	case ChangeIgnored:
		return "applied in place; nothing restarts"
	case ChangeScale:
		return "scaled in place; nothing restarts"
	case ChangeHeld:
		return "held: " + c.Reason
	}
	switch c.Action {
	case "suspend":
		switch c.State {
		case StateSavepoint:
			return "suspend: stop with a savepoint, which a resume restores from"
		case StateLastState:
			return "suspend: stop, keeping the state in Kubernetes HA (last-state)"
		}
		return "suspend: stop without state"
	case "resume":
		switch c.State {
		case StateLastState:
			return "resume: start from Kubernetes HA (last-state)"
		case StateRestore:
			return "resume: start from " + c.RestorePath
		}
		return "resume: start without state"
	case "savepoint-redeploy":
		return "savepoint redeploy: " + c.State.Describe(c.RestorePath)
	}
	return fmt.Sprintf("%s: %s", c.Action, c.State.Describe(c.RestorePath))
}
