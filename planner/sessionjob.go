package planner

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// A FlinkSessionJob has no Kubernetes objects of its own: the operator
// submits it over REST to its session's JobManager. flink-render prints
// that submission (Submission), and plan classifies a session job's change
// with the controller's own rules (submission.SpecChange, which reads
// gate.ClassifySessionJob).

// Submission is the job submission the operator makes for a
// FlinkSessionJob: the run of its jar on the session's JobManager (POST
// /jars/:jarid/run), as submission.Request builds it. It is not a
// Kubernetes object. Its JSON form (flink-render --output json,
// jobSubmissions) is a stable interface: fields are only ever added.
type Submission struct {
	// Namespace and Name are the FlinkSessionJob's.
	Namespace string `json:"namespace" yaml:"namespace"`
	Name      string `json:"name" yaml:"name"`
	// Session is spec.deploymentName, the session FlinkDeployment in the
	// same namespace.
	Session string `json:"session" yaml:"session"`
	// JarURI is the jar the operator fetches and uploads to the session.
	JarURI string `json:"jarURI" yaml:"jarURI"`
	// FetchedFrom is where the jar is fetched from when an
	// --artifact-mirror serves JarURI; empty otherwise.
	FetchedFrom string `json:"fetchedFrom,omitempty" yaml:"fetchedFrom,omitempty"`
	// EntryClass is the main class; empty takes the jar manifest's.
	EntryClass string   `json:"entryClass" yaml:"entryClass"`
	Args       []string `json:"args" yaml:"args"`
	// Parallelism of the job; 0 takes the session's parallelism.default.
	Parallelism int32 `json:"parallelism" yaml:"parallelism"`
	// RestorePath is what the job restores from; empty starts it empty.
	RestorePath           string `json:"restorePath" yaml:"restorePath"`
	AllowNonRestoredState bool   `json:"allowNonRestoredState" yaml:"allowNonRestoredState"`
	// FlinkConfiguration is the job-level configuration sent with the
	// run: spec.flinkConfiguration without the operator's own keys, with
	// the checkpoint retention of a last-state job.
	FlinkConfiguration map[string]string `json:"flinkConfiguration" yaml:"flinkConfiguration"`
	// Assumptions are what the submission assumed of the session, which
	// the input did not say.
	Assumptions []string `json:"assumptions,omitempty" yaml:"assumptions,omitempty"`
}

// SessionCluster is what a submission depends on of its session
// FlinkDeployment, when the input holds it.
type SessionCluster struct {
	FlinkVersion v1beta1.FlinkVersion
	// Application: the FlinkDeployment has spec.job, so it is an
	// application cluster, which runs no session jobs.
	Application bool
}

// SessionClusterOf is fd as the session of a FlinkSessionJob.
func SessionClusterOf(fd *v1beta1.FlinkDeployment) *SessionCluster {
	return &SessionCluster{FlinkVersion: fd.Spec.FlinkVersion, Application: fd.Spec.Job != nil}
}

// SessionMismatch says why the operator cannot run the FlinkSessionJob sj
// on session, and at which field; "" when it can (or session is nil: not
// among the inputs): a session job aimed at an application cluster, or a
// job-level configuration for a session older than Flink 1.17, which
// takes none with a run (flinkrest refuses to send it).
func SessionMismatch(sj *v1beta1.FlinkSessionJob, session *SessionCluster) (field, msg string) {
	switch {
	case session == nil:
		return "", ""
	case session.Application:
		return "spec.deploymentName", fmt.Sprintf("FlinkDeployment %s/%s has spec.job: it is an application cluster, which runs its own job only; a session job needs a session cluster (a FlinkDeployment without spec.job)",
			sj.Namespace, sj.Spec.DeploymentName)
	}
	v, err := flinkrest.ParseVersion(string(session.FlinkVersion))
	if err != nil || v.SupportsJobConfiguration() {
		return "", ""
	}
	if config, err := submission.FlatConfig(sj.Spec.FlinkConfiguration); err == nil && len(config) > 0 {
		return "spec.flinkConfiguration", fmt.Sprintf("session %s/%s runs Flink %s, which takes no job-level configuration with a run (Flink 1.17 and later do): the operator's run would fail; set these keys in the session's flinkConfiguration instead",
			sj.Namespace, sj.Spec.DeploymentName, v)
	}
	return "", ""
}

// SubmissionOf is the submission the operator makes for sj on session
// (nil when the input does not hold the session FlinkDeployment: a
// session of Flink 1.17 or later is assumed, and said). It restores from
// restorePath when that is given (flink-render --restore-path), else from
// what status.deployedWith records of a live object, else from
// spec.job.initialSavepointPath, as a first submission does. mirrors are
// the operator's --artifact-mirror.
func SubmissionOf(sj *v1beta1.FlinkSessionJob, session *SessionCluster, restorePath *string, mirrors artifact.Mirrors) (Submission, error) {
	s := Submission{Namespace: sj.Namespace, Name: sj.Name, Session: sj.Spec.DeploymentName}
	if sj.Spec.Job == nil {
		return s, objref.Of(v1beta1.KindFlinkSessionJob, sj).Errorf("no spec.job to submit")
	}
	from := sj.Spec.Job.InitialSavepointPath
	switch {
	case restorePath != nil:
		from = *restorePath
	case sj.Status.DeployedWith != nil:
		from = sj.Status.DeployedWith.RestorePath
	}
	var sc submission.Session
	if session != nil {
		sc.FlinkVersion = session.FlinkVersion
		if v, err := flinkrest.ParseVersion(string(session.FlinkVersion)); err == nil {
			sc.JobConfiguration = v.SupportsJobConfiguration()
		}
	} else {
		sc = submission.Session{FlinkVersion: v1beta1.SupportedFlinkVersions[len(v1beta1.SupportedFlinkVersions)-1], JobConfiguration: true}
		s.Assumptions = append(s.Assumptions, fmt.Sprintf("session %s/%s runs Flink 1.17 or later (its FlinkDeployment is not among the inputs)", sj.Namespace, sj.Spec.DeploymentName))
	}
	req, err := submission.Request(&sj.Spec, from, sc)
	if err != nil {
		return s, objref.Of(v1beta1.KindFlinkSessionJob, sj).Errorf("read spec.flinkConfiguration: %w", err)
	}
	s.JarURI, s.EntryClass, s.Args, s.Parallelism = sj.Spec.Job.JarURI, req.EntryClass, req.Args, req.Parallelism
	if from, mirrored := mirrors.Rewrite(sj.Spec.Job.JarURI); mirrored {
		s.FetchedFrom = from
	}
	s.RestorePath, s.AllowNonRestoredState, s.FlinkConfiguration = req.SavepointPath, req.AllowNonRestoredState, req.FlinkConfiguration
	if s.Args == nil {
		s.Args = []string{}
	}
	if s.FlinkConfiguration == nil {
		s.FlinkConfiguration = map[string]string{}
	}
	return s, nil
}

// SessionJobs decodes and validates the FlinkSessionJobs of src, whose
// other documents must be blank (flink-render separates them), as the
// admission webhook validates them (validation.ValidateSessionJob, with
// opts' jar schemes). Those that name no namespace get namespace. Errors
// point at the lines of src.
func SessionJobs(src Source, namespace string, opts Options) ([]*decode.Document, []*decode.Error) {
	docs, errs := decode.Resources(src.Name, src.Data)
	var out []*decode.Document
	for _, doc := range docs {
		sj := doc.SessionJob
		if sj == nil {
			continue
		}
		if sj.Namespace == "" {
			sj.Namespace = namespace
		}
		invalid := false
		for _, fe := range validation.ValidateSessionJob(sj, validation.Options{AllowHTTPArtifacts: opts.AllowHTTPArtifacts, Schemes: opts.ArtifactSchemes}) {
			invalid = true
			if doc.Reported(fe.Field) {
				continue // decoding said what is wrong with it
			}
			errs = append(errs, doc.ErrorAt(fe.Field, fe.ErrorBody()))
		}
		if !invalid {
			out = append(out, doc)
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return out, errs
}

// IsLiveSessionJob reports whether sj carries the status of a submitted
// object, whose lastReconciledSpec, not spec, is what was submitted.
func IsLiveSessionJob(sj *v1beta1.FlinkSessionJob) bool {
	return sj.Status.ReconciliationStatus.LastReconciledSpec != ""
}

// Placeholder of a live-less plan: the savepoint a suspend took, which
// only the live object's status records.
const suspendSavepoint = "the savepoint taken when the job was suspended"

// PlanSessionJob plans the change of one FlinkSessionJob from base to
// head, with the controller's rules: submission.SpecChange says what a
// change of a submitted spec takes, and the controller carries out its
// plan as Plan's values say. base is nil for a new session job, head for
// a deleted one. A base that carries a status (a live object) is planned
// from the spec its status records as submitted.
func PlanSessionJob(base, head *v1beta1.FlinkSessionJob) (Resource, error) {
	id := head
	if id == nil {
		id = base
	}
	r := Resource{Kind: v1beta1.KindFlinkSessionJob, Namespace: id.Namespace, Name: id.Name, Restart: RestartNone}
	switch {
	case base == nil:
		r.Change = ChangeAdded
		r.Summary = "new: the job is submitted to session " + head.Namespace + "/" + head.Spec.DeploymentName
		if suspendedJob(&head.Spec) {
			r.Summary = "new: recorded as suspended; nothing is submitted"
		} else if p := head.Spec.Job.InitialSavepointPath; p != "" {
			r.Summary += " from " + p
		}
		return r, nil
	case head == nil:
		r.Change = ChangeRemoved
		switch {
		case suspendedJob(&base.Spec):
			r.Summary = "deleted: nothing runs (the job is suspended)"
		case submission.SavepointOnDeletion(&base.Spec):
			r.Summary = "deleted: the operator stops the job with a savepoint (" + submission.SavepointOnDeletionKey + "), then deletes its jar"
			r.Restart = RestartWithState
		default:
			r.Summary = "deleted: the operator cancels the job, without a savepoint, then deletes its jar"
			r.Restart = RestartWithoutState
		}
		return r, nil
	}
	// From a file, a suspended job ran and was suspended with a
	// savepoint (when stateful).
	deployed, neverRan, savepoint := &base.Spec, false, suspendSavepoint
	if IsLiveSessionJob(base) {
		deployed = &v1beta1.FlinkSessionJobSpec{}
		if err := json.Unmarshal([]byte(base.Status.ReconciliationStatus.LastReconciledSpec), deployed); err != nil || deployed.Job == nil {
			if err == nil {
				err = fmt.Errorf("no job in the recorded spec")
			}
			return r, &RenderError{Err: objref.Of(v1beta1.KindFlinkSessionJob, base).Errorf("read the live status.reconciliationStatus.lastReconciledSpec: %w", err)}
		}
		r.Live = true
		neverRan, savepoint = base.Status.JobStatus.StartTime == "", base.Status.JobStatus.UpgradeSavepointPath
		if base.Status.Upgrade != nil {
			r.Assumptions = append(r.Assumptions, fmt.Sprintf("the upgrade in progress (phase %s) has finished", base.Status.Upgrade.Phase))
		}
	}
	c := ClassifySessionJob(deployed, &head.Spec, neverRan, savepoint)
	if errs := validation.ValidateSessionJobTransition(base, head); len(errs) > 0 {
		// The CRD and the webhook refuse the update: the submitted job
		// runs on.
		c = Classification{Change: ChangeHeld, Restart: RestartHeld,
			Reason: "the API server refuses the update, the submitted spec keeps running: " + validation.Describe(errs)}
	}
	if !suspendedJob(deployed) {
		r.Assumptions = append(r.Assumptions, "the job is RUNNING")
	} else if !r.Live && deployed.Job.UpgradeMode != v1beta1.UpgradeModeStateless {
		r.Assumptions = append(r.Assumptions, "the job was suspended with a savepoint")
	}
	r.Change, r.Action, r.State, r.RestorePath = c.Change, c.Action, c.State, c.RestorePath
	r.Reason, r.Fields, r.Restart = c.Reason, c.Fields, c.Restart
	r.Summary = summary(c)
	return r, nil
}

// ClassifySessionJob is what the controller does when current replaces
// the submitted spec recorded (submission.SpecChange), read as a
// classification. For a resume (submission.ResumeRestorePath), neverRan
// says the suspended job never ran, and savepoint is the savepoint its
// take-down recorded.
func ClassifySessionJob(recorded, current *v1beta1.FlinkSessionJobSpec, neverRan bool, savepoint string) Classification {
	rec, cur := submission.Defaulted(recorded), submission.Defaulted(current)
	diff := gate.ClassifySessionJob(rec, cur)
	c := Classification{Fields: diff.Fields, Restart: RestartNone}
	if suspendedJob(rec) {
		// Nothing runs: the controller records the spec, and submits it
		// once it asks for a running job (a resume).
		switch {
		case !suspendedJob(cur):
			path, ok := submission.ResumeRestorePath(current, neverRan, savepoint)
			if !ok {
				c.Change, c.Restart = ChangeHeld, RestartHeld
				c.Reason = "Manual restore required: the job was stopped without a savepoint, and now resumes with upgradeMode " +
					string(cur.Job.UpgradeMode) + ": nothing is submitted"
				return c
			}
			c.Change, c.Action, c.RestorePath = ChangeUpgrade, "resume", path
			c.State, c.Restart = StateRestore, RestartWithState
			if c.RestorePath == "" {
				c.State, c.Restart = StateStateless, RestartWithoutState
			}
		case diff.Type == gate.DiffNone:
			c.Change = ChangeNone
		default:
			c.Change = ChangeIgnored
		}
		return c
	}
	change, plan := submission.SpecChange(recorded, current)
	if change == "" {
		c.Change = ChangeNone
		if diff.Type != gate.DiffNone {
			c.Change = ChangeIgnored
		}
		return c
	}
	c.Change, c.Action, c.Restart = ChangeUpgrade, "upgrade", RestartWithState
	switch plan {
	case submission.PlanHold:
		c = Classification{Change: ChangeHeld, Reason: change, Fields: diff.Fields, Restart: RestartHeld}
	case submission.PlanStateless:
		c.State, c.Restart = StateStateless, RestartWithoutState
	case submission.PlanSavepoint:
		c.State = StateSavepoint
	case submission.PlanLastState:
		c.State = StateLatestCheckpoint
	case submission.PlanSuspendSavepoint:
		c.Action, c.State = "suspend", StateSavepoint
	case submission.PlanSuspendCancel:
		c.Action, c.State, c.Restart = "suspend", StateStateless, RestartWithoutState
	case submission.PlanRedeploy:
		c.Action, c.State, c.RestorePath = "savepoint-redeploy", StateRestore, cur.Job.InitialSavepointPath
	default:
		// A plan this planner does not know: say so rather than guess.
		c = Classification{Change: ChangeHeld, Reason: change + " (" + plan.String() + ": not known to flink-render plan)", Fields: diff.Fields, Restart: RestartHeld}
	}
	return c
}

func suspendedJob(s *v1beta1.FlinkSessionJobSpec) bool {
	return s.Job != nil && s.Job.State == v1beta1.JobStateSuspended
}
