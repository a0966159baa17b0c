package reconciler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/reconciler/resttls"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// Intervals between passes when nothing else wakes the controller.
const (
	// DefaultProgressInterval re-checks a JobManager that is starting.
	DefaultProgressInterval = 5 * time.Second
	// DefaultResyncInterval re-observes a settled cluster (job state).
	DefaultResyncInterval = 60 * time.Second
	// DefaultCleanupTimeout bounds how long deletion waits for cleanup.
	DefaultCleanupTimeout = 5 * time.Minute
	// DefaultMaxRESTBackoff caps the retry delay while a REST API is
	// unreachable.
	DefaultMaxRESTBackoff = 60 * time.Second
)

// Reconciler reconciles FlinkDeployments. Construct it with its fields and
// call SetupWithManager.
type Reconciler struct {
	// Client reads from the manager's label-filtered caches and writes to
	// the API server.
	Client client.Client
	// APIReader reads the API server directly, for objects the caches do
	// not hold (Flink's HA ConfigMaps carry no label of ours).
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	// FetcherImage and AllowHTTPArtifacts are the operator's settings for
	// remote job jars (renderer.RenderContext); every render uses them.
	FetcherImage       string
	AllowHTTPArtifacts bool
	// ArtifactSchemes are the remote jar schemes accepted
	// (--artifact-schemes); nil accepts https, s3 and gs.
	ArtifactSchemes []string
	// ArtifactMirrors are where remote jars are fetched from instead
	// (--artifact-mirror).
	ArtifactMirrors artifact.Mirrors
	// GatePolicy holds the upgrade gate's timings and limits; zero fields
	// take gate.DefaultPolicy's.
	GatePolicy gate.Policy
	// StepHook, when set, is called at each step boundary of the upgrade
	// path; returning true stops the pass there, as a crash would. Tests
	// use it to prove that a restarted operator resumes correctly.
	StepHook func(Step) bool
	// RESTURLTemplate locates each JobManager's REST API.
	RESTURLTemplate string
	// HTTPClient is used for Flink REST calls; nil means a default. A
	// JobManager that serves REST over TLS gets a client of restTLS.
	HTTPClient *http.Client
	// restTLS makes the clients for JobManagers that serve REST over TLS
	// (reconciler/resttls); its zero value reads the operator's files.
	restTLS resttls.Clients
	// SessionJobsOf names the FlinkSessionJobs that reference a session
	// FlinkDeployment; while any is left its deletion is blocked
	// (session_block.go). nil (no FlinkSessionJob controller) blocks
	// nothing.
	SessionJobsOf func(context.Context, *v1beta1.FlinkDeployment) ([]string, error)
	// SessionJobsRunningOn names the FlinkSessionJobs whose jobs run (or
	// are being submitted) on a session FlinkDeployment; while any does,
	// the gate holds a change that would restart the session
	// (gate.Input.SessionJobsRunning). nil holds nothing.
	SessionJobsRunningOn func(context.Context, *v1beta1.FlinkDeployment) ([]string, error)
	// Intervals; zero values take the defaults above.
	ProgressInterval, ResyncInterval, CleanupTimeout, MaxRESTBackoff time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Render renders a FlinkDeployment; nil means renderer.Render. Tests
	// wrap it to see which passes render.
	Render func(*v1beta1.FlinkDeployment, renderer.RenderContext) (*renderer.Result, error)

	memo        applyMemo
	renders     renderMemo
	fresh       freshness // stale reads: see fence.go
	restBackoff sync.Map  // types.UID -> time.Duration
	// strictChecked remembers the strict decoding of each generation
	// (strict.go): types.UID -> strictResult.
	strictChecked sync.Map
}

// Reconcile runs one pass for one FlinkDeployment.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	fd := &v1beta1.FlinkDeployment{}
	err := r.Client.Get(ctx, req.NamespacedName, fd)
	if err == nil {
		fd, err = r.readLatest(ctx, fd)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			r.renders.forget(req.NamespacedName)
			r.fresh.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !fd.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, fd)
	}
	if controllerutil.ContainsFinalizer(fd, Finalizer) && controllerutil.ContainsFinalizer(fd, ReferenceFinalizer) {
		// This operator removed the reference's finalizer when it took the
		// FlinkDeployment over; only that operator puts it back.
		r.event(fd, "Warning", ReasonReferenceOperatorActive, actionReconcile,
			"the Apache Flink Kubernetes Operator's finalizer "+ReferenceFinalizer+" is back: that operator still manages this FlinkDeployment. "+
				"Stop it (docs/migration.md): two operators on one FlinkDeployment can restart its job")
	}
	if !controllerutil.ContainsFinalizer(fd, Finalizer) || controllerutil.ContainsFinalizer(fd, ReferenceFinalizer) {
		// A merge patch replaces the whole finalizer list: without the
		// resourceVersion check a stale read would drop a finalizer someone
		// else added meanwhile. The reference operator's finalizer goes in
		// the same write that adds ours (or after it), so the
		// FlinkDeployment is never without one of them.
		patch := client.MergeFromWithOptions(fd.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(fd, Finalizer)
		controllerutil.RemoveFinalizer(fd, ReferenceFinalizer)
		if err := r.Client.Patch(ctx, fd, patch); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, objref.Of("FlinkDeployment", fd).Errorf("add finalizer %s: %w", Finalizer, err)
		}
		r.fresh.remember(fd)
	}
	original := fd.DeepCopy()
	var recorded Step
	result, reconcileErr := r.reconcile(ctx, fd, &original, &recorded)
	switch {
	case errors.Is(reconcileErr, errStopped):
		return ctrl.Result{}, reconcileErr
	case errors.Is(reconcileErr, errStale):
		// The pass decided on an outdated copy and did nothing; start over
		// from the API server's version (fence.go).
		log.FromContext(ctx).V(1).Info("FlinkDeployment changed since it was read; starting over", "reason", reconcileErr.Error())
		return ctrl.Result{Requeue: true}, nil
	}
	if err := r.writeStatus(ctx, original, fd); err != nil {
		if errors.Is(err, errStale) {
			// Someone wrote the CR meanwhile; start over from the new version.
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, errors.Join(reconcileErr, err)
	}
	if recorded != "" {
		if err := r.stepHook(recorded); err != nil {
			return ctrl.Result{}, err
		}
	}
	return result, reconcileErr
}

// reconcile does the work of a pass on fd and records the outcome in
// fd.Status; the caller writes what is left unwritten. persisted is fd as
// the API server last had it; write-ahead status writes advance it.
// recorded is set to the step that the caller's status write completes
// (StepHook is called after that write).
func (r *Reconciler) reconcile(ctx context.Context, fd *v1beta1.FlinkDeployment, persisted **v1beta1.FlinkDeployment, recorded *Step) (ctrl.Result, error) {
	st := &fd.Status

	obs, err := r.observe(ctx, fd)
	if err != nil {
		return ctrl.Result{}, err
	}
	deployed, first, err := lastReconciled(st)
	if err != nil {
		st.Error = err.Error()
		return ctrl.Result{}, err
	}
	desired := defaulted(&fd.Spec)

	// A spec that differs from the deployed one must be valid before the
	// gate may act on it; an invalid one leaves the last valid spec
	// running (and drift-corrected) and says why.
	// A new generation is decoded strictly even when the typed spec did not
	// change: a typo is all that changed, and the user must hear of it.
	_, noncePending := gate.PendingNonce(deployed, desired)
	specChanged := deployed == nil || noncePending || gate.Classify(deployed, desired).Type != gate.DiffNone
	if specChanged || fd.Generation != st.ObservedGeneration {
		problem, err := r.strictProblem(ctx, fd)
		if errors.Is(err, errStaleRead) {
			return ctrl.Result{Requeue: true}, nil
		}
		if err == nil && problem == "" && specChanged {
			problem, err = r.validate(fd, deployed)
		}
		if err != nil {
			st.Error = err.Error()
			r.event(fd, "Warning", ReasonError, actionReconcile, err.Error())
			return ctrl.Result{}, err
		} else if problem != "" {
			msg := "invalid spec, the last valid spec keeps running: " + problem
			if st.Error != msg {
				r.event(fd, "Warning", ReasonValidationError, actionReconcile, problem)
			}
			st.Error = msg
			if deployed == nil {
				r.observeInto(fd, obs)
				return ctrl.Result{}, nil
			}
			desired = deployed
		} else if strings.HasPrefix(st.Error, "invalid spec") {
			st.Error = ""
		}
	}
	if !specChanged && st.Upgrade == nil {
		// The spec is the one deployed (an edit undone, say): this
		// generation runs, and tools waiting for it must see so.
		st.ObservedGeneration = fd.Generation
	}

	if obs.JobManagerRan == gate.EvidenceYes && st.DeployedWith != nil {
		// Recorded with the pass's first status write, before any step
		// that may depend on it.
		st.DeployedWith.JobManagerStarted = true
	}
	p := &gatePass{fd: fd, persisted: *persisted, desired: desired, deployed: deployed, first: first, obs: &obs}
	decision, err := r.drive(ctx, p)
	*persisted = p.persisted
	*recorded = p.recordAtEnd
	if err != nil {
		if !errors.Is(err, errStopped) && !errors.Is(err, errStale) {
			st.Error = err.Error()
			r.event(fd, "Warning", ReasonError, actionReconcile, err.Error())
		}
		return ctrl.Result{}, err
	}
	if p.held == "" && st.Upgrade == nil && !strings.HasPrefix(st.Error, "invalid spec") && !strings.HasPrefix(st.Error, "JobManager") {
		st.Error = ""
	}
	r.observeInto(fd, obs)
	return r.requeue(fd, obs, decision), nil
}

// validate renders fd to check it and, against the deployed spec, the
// transitions the API cannot make. It returns the problem for the user, or
// an error when rendering itself failed.
func (r *Reconciler) validate(fd *v1beta1.FlinkDeployment, deployed *v1beta1.FlinkDeploymentSpec) (string, error) {
	start := time.Now()
	res, err := r.render(fd, r.withSettings(renderer.RenderContext{}))
	metrics.ObserveRender(time.Since(start))
	var invalid *renderer.InvalidError
	switch {
	case errors.As(err, &invalid):
		return invalid.Error(), nil
	case err != nil:
		return "", objref.Of("FlinkDeployment", fd).Errorf("render: %w", err)
	}
	// Once per spec change (validate runs only then): what the spec asks
	// that this operator will not do is said, never silently dropped.
	if len(res.Unsupported) > 0 {
		notes := make([]string, len(res.Unsupported))
		for i, u := range res.Unsupported {
			notes[i] = u.String()
		}
		r.event(fd, "Warning", ReasonUnsupported, actionReconcile, strings.Join(notes, "; "))
	}
	if errs := validation.ValidateTransition(deployed, &fd.Spec); len(errs) > 0 {
		return validation.Describe(errs), nil
	}
	return "", nil
}

func (r *Reconciler) render(fd *v1beta1.FlinkDeployment, rc renderer.RenderContext) (*renderer.Result, error) {
	if r.Render != nil {
		return r.Render(fd, rc)
	}
	return renderer.Render(fd, rc)
}

// withSettings adds the operator-wide render settings to a gate's context.
func (r *Reconciler) withSettings(rc renderer.RenderContext) renderer.RenderContext {
	rc.FetcherImage = r.FetcherImage
	rc.AllowHTTPArtifacts = r.AllowHTTPArtifacts
	rc.ArtifactSchemes = r.ArtifactSchemes
	rc.ArtifactMirrors = r.ArtifactMirrors
	return rc
}

// defaulted returns a copy of spec with the API defaults filled in, the
// form specs are compared and recorded in.
func defaulted(spec *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
	tmp := &v1beta1.FlinkDeployment{Spec: *spec.DeepCopy()}
	tmp.Default()
	return &tmp.Spec
}

// observeInto records an observation in status.
func (r *Reconciler) observeInto(fd *v1beta1.FlinkDeployment, obs gate.Observation) {
	st := &fd.Status
	if st.JobManagerDeploymentStatus != obs.JobManager && obs.JobManager == v1beta1.JMMissing && st.JobManagerDeploymentStatus == v1beta1.JMReady {
		r.event(fd, "Warning", gate.ReasonMissing, actionObserve, "Missing JobManager deployment")
	}
	st.JobManagerDeploymentStatus = obs.JobManager
	if obs.JobManager == v1beta1.JMError && st.Error == "" {
		st.Error = "JobManager deployment failed: " + obs.JobManagerProblem
	}
	if obs.RESTError != nil {
		msg := fmt.Sprintf("JobManager REST API at %s is unreachable: %v", obs.RESTAddress(), obs.RESTError)
		if !strings.HasPrefix(st.Error, "JobManager REST API") {
			r.event(fd, "Warning", ReasonRESTUnreachable, actionObserve, msg)
		}
		if st.Error == "" || strings.HasPrefix(st.Error, "JobManager REST API") {
			st.Error = msg
		}
	} else if strings.HasPrefix(st.Error, "JobManager REST API") {
		st.Error = ""
	}
	if obs.Job != nil {
		if st.JobStatus.State != string(obs.Job.State) {
			r.event(fd, "Normal", ReasonJobStatus, actionObserve, fmt.Sprintf("Job status changed from %s to %s", orUnknown(st.JobStatus.State), obs.Job.State))
		}
		st.JobStatus.JobID = obs.Job.ID
		st.JobStatus.JobName = obs.Job.Name
		st.JobStatus.State = string(obs.Job.State)
		st.JobStatus.StartTime = fmt.Sprint(obs.Job.StartTime)
		st.JobStatus.UpdateTime = fmt.Sprint(obs.Job.LastModification)
	} else if fd.IsApplication() && obs.JobManager != v1beta1.JMReady && st.JobStatus.State != "" && !terminal(st.JobStatus.State) &&
		st.JobStatus.State != string(flinkrest.JobSuspended) {
		// The job cannot be seen: say so rather than keep a stale RUNNING.
		st.JobStatus.State = "RECONCILING"
	}
	st.TaskManager = &v1beta1.TaskManagerInfo{LabelSelector: fmt.Sprintf("component=taskmanager,app=%s", fd.Name)}
	if fd.Spec.TaskManager != nil && fd.Spec.TaskManager.Replicas != nil && obs.JobManager != v1beta1.JMMissing {
		st.TaskManager.Replicas = *fd.Spec.TaskManager.Replicas
	}
	if isStable(fd) {
		st.ReconciliationStatus.LastStableSpec = st.ReconciliationStatus.LastReconciledSpec
	}
	if next := lifecycleState(fd); next != st.LifecycleState {
		r.event(fd, "Normal", ReasonLifecycle, actionObserve, fmt.Sprintf("Lifecycle state changed from %s to %s", orUnknown(string(st.LifecycleState)), next))
		st.LifecycleState = next
	}
}

func terminal(state string) bool {
	return flinkrest.JobStatus(state).IsGloballyTerminal()
}

func orUnknown(s string) string {
	if s == "" {
		return "UNKNOWN"
	}
	return s
}

// requeue picks when to look again: soon while the JobManager starts, with
// a growing backoff while its REST API does not answer, otherwise after the
// resync interval (watches on the Deployment wake the controller sooner).
func (r *Reconciler) requeue(fd *v1beta1.FlinkDeployment, obs gate.Observation, d gate.Decision) ctrl.Result {
	if obs.RESTError != nil {
		prev, _ := r.restBackoff.Load(fd.UID)
		next := time.Second
		if p, ok := prev.(time.Duration); ok {
			next = min(2*p, r.maxRESTBackoff())
		}
		r.restBackoff.Store(fd.UID, next)
		return ctrl.Result{RequeueAfter: next}
	}
	r.restBackoff.Delete(fd.UID)
	after := r.resyncInterval()
	switch obs.JobManager {
	case v1beta1.JMDeploying, v1beta1.JMDeployedNotReady:
		after = r.progressInterval()
	case v1beta1.JMMissing:
		if fd.IsApplication() && fd.Spec.Job.State == v1beta1.JobStateSuspended {
			after = 0 // nothing to watch; spec edits wake the controller
		}
	}
	if d.RequeueAfter > 0 && (after == 0 || d.RequeueAfter < after) {
		after = d.RequeueAfter
	}
	return ctrl.Result{RequeueAfter: after}
}

// writeStatus writes status when it changed, guarded by the resourceVersion
// read at the start of the pass so a concurrent writer is never overwritten.
// A conflict is errStale, and the next read goes to the API server.
func (r *Reconciler) writeStatus(ctx context.Context, original, fd *v1beta1.FlinkDeployment) error {
	// Every write carries conditions, and savepoint progress and the
	// Upgrade column, that agree with the rest of status.
	settleProgress(&fd.Status)
	health.Apply(fd, r.now())
	// A status an earlier release wrote holds timestamps as epoch-ms
	// integers. A merge patch carries only what changed, so an unchanged
	// integer would stay stored: such a status is written whole, once, with
	// the resourceVersion read as the lock, and every timestamp in it is
	// RFC 3339 from then on (v1beta1.Timestamp).
	rewrite := original.Status.HasEpochMillis()
	if !rewrite && apiequality.Semantic.DeepEqual(original.Status, fd.Status) {
		return nil
	}
	write := func() error {
		return r.Client.Status().Patch(ctx, fd, client.MergeFromWithOptions(original, client.MergeFromWithOptimisticLock{}))
	}
	if rewrite {
		fd.ResourceVersion = original.ResourceVersion
		write = func() error { return r.Client.Status().Update(ctx, fd) }
	}
	if err := write(); err != nil {
		if apierrors.IsConflict(err) {
			r.fresh.outdated(original)
		}
		return objref.Of("FlinkDeployment", fd).Errorf("write status: %w", staleIfConflict(err))
	}
	observeRollout(&original.Status, &fd.Status, r.now())
	r.fresh.remember(fd)
	return nil
}

func (r *Reconciler) event(fd *v1beta1.FlinkDeployment, eventType, reason, action, note string) {
	if r.Recorder != nil {
		r.Recorder.Eventf(fd, nil, eventType, reason, action, "%s", truncateNote(note))
	}
}

// maxEventNote is the API server's limit on an event's note; a longer one
// is refused and the event lost (client-go does not shorten it).
const maxEventNote = 1024

// truncateNote shortens a note to maxEventNote bytes, on a rune boundary,
// ending in "..." when it cut something.
func truncateNote(note string) string {
	if len(note) <= maxEventNote {
		return note
	}
	const ellipsis = "..."
	cut := maxEventNote - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(note[cut]) {
		cut--
	}
	return note[:cut] + ellipsis
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// orDefault returns d, or def when d is not set.
func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (r *Reconciler) progressInterval() time.Duration {
	return orDefault(r.ProgressInterval, DefaultProgressInterval)
}

func (r *Reconciler) resyncInterval() time.Duration {
	return orDefault(r.ResyncInterval, DefaultResyncInterval)
}

func (r *Reconciler) maxRESTBackoff() time.Duration {
	return orDefault(r.MaxRESTBackoff, DefaultMaxRESTBackoff)
}

func (r *Reconciler) cleanupTimeout() time.Duration {
	return orDefault(r.CleanupTimeout, DefaultCleanupTimeout)
}
