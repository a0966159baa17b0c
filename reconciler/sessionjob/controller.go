package sessionjob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/resttls"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Finalizer is the reference operator's finalizer name for session jobs
// as well (it uses one name for both kinds): it holds the FlinkSessionJob
// until its job is cancelled and its jar deleted.
const Finalizer = "flink.apache.org/finalizer"

// Kind names the resource in errors and events.
const Kind = "FlinkSessionJob"

// Intervals between passes when nothing else wakes the controller.
const (
	DefaultProgressInterval = 5 * time.Second
	DefaultResyncInterval   = 60 * time.Second
	// DefaultCleanupTimeout bounds how long deletion retries a JobManager
	// that does not answer (finalize.go).
	DefaultCleanupTimeout = 5 * time.Minute
	// DefaultRESTTimeout bounds one REST call but the upload and the run
	// (flinkrest.DefaultRunTimeout, RunTimeout).
	DefaultRESTTimeout = 5 * time.Second
)

// Step boundaries at which Hook is called, after a request to the
// JobManager and before the status write that records it.
const (
	HookUploaded = "uploaded" // the jar is on the JobManager, status.jar not written
	HookRun      = "run"      // the run answered, status.deployedWith not written
	// HookStopSent: the stop-with-savepoint was sent; its answer is lost.
	HookStopSent = "stop-sent"
	// HookSavepointDone: the savepoint completed; its location is not
	// written yet.
	HookSavepointDone = "savepoint-done"
	// HookCancelSent: the cancel of an upgrade was sent; the status that
	// says so is not written.
	HookCancelSent = "cancel-sent"
	// HookSnapshotSent: a manual or periodic savepoint's trigger was sent
	// (its record was written before); its answer is lost.
	HookSnapshotSent = "snapshot-sent"
)

// errStopped is returned when Hook stops a pass, as a crash would.
var errStopped = errors.New("reconcile pass stopped by hook")

// Reconciler reconciles FlinkSessionJobs. Construct it with its fields and
// call SetupWithManager.
type Reconciler struct {
	// Client reads from the manager's caches and writes to the API server.
	Client client.Client
	// APIReader reads the API server directly: a cached FlinkSessionJob
	// that is not the version last written is read again before any step
	// (stale reads, controller.go).
	APIReader client.Reader
	Recorder  events.EventRecorder
	// RESTURLTemplate locates each session's JobManager REST API, as for
	// FlinkDeployments ({{name}} is the session's name).
	RESTURLTemplate string
	// HTTPClient is used for plain-HTTP REST calls; nil means a default.
	HTTPClient *http.Client
	// FetchJar downloads spec.job.jarURI for the upload; package jarfetch
	// makes one with httpfetch's rules (https only, no cloud SDK), which
	// the operator binary wires. nil holds every submission with a status
	// that says so.
	FetchJar JarFetcher
	// ArtifactSchemes are the remote jar schemes accepted
	// (--artifact-schemes); nil accepts https, s3 and gs.
	ArtifactSchemes []string
	// ArtifactMirrors are where jars are fetched from instead
	// (--artifact-mirror): FetchJar and the fetch pod get the mirrored
	// URI; status.jar keeps the user's.
	ArtifactMirrors artifact.Mirrors
	// FetcherImage runs the pod that fetches an s3:// or gs:// jar and
	// uploads it (fetchpod.go): the operator's --fetcher-image. Empty:
	// such jars are held, with a status that suggests a presigned URL.
	FetcherImage string
	// AllowHTTPArtifacts accepts http:// jars, as --allow-http-artifacts
	// does for the webhook and the fetch: the spec is validated here too,
	// so that it holds with the webhook off.
	AllowHTTPArtifacts bool
	// Intervals and timeouts; zero values take the defaults above.
	ProgressInterval, ResyncInterval, CleanupTimeout, RESTTimeout, RunTimeout time.Duration
	// SnapshotPolicy times manual and periodic savepoints (their poll
	// interval, timeout and retry backoff), as for FlinkDeployments; the
	// zero value takes the gate's defaults.
	SnapshotPolicy gate.Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Selector is the operator's --label-selector (shard.go): a session
	// job is reconciled here when its session FlinkDeployment matches it.
	// nil matches every session.
	Selector labels.Selector
	// Hook, when set, is called at the step boundaries above; returning
	// true ends the pass there without writing status, as a crash would.
	Hook func(string) bool

	restTLS resttls.Clients
	fresh   sync.Map // types.NamespacedName -> confirmed
}

// JarFetcher downloads the jar at uri into the folder dir as the file name
// and returns the file's path.
type JarFetcher func(ctx context.Context, uri, dir, name string) (string, error)

// confirmed is the resourceVersion at which the API server last showed
// this reconciler a FlinkSessionJob.
type confirmed struct {
	uid             types.UID
	resourceVersion string
}

// SetupWithManager registers the controller. A session FlinkDeployment's
// changes wake the session jobs that name it, so a job waiting for its
// session to become READY goes on at once.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1beta1.FlinkSessionJob{}, deploymentNameIndex,
		func(o client.Object) []string { return []string{o.(*v1beta1.FlinkSessionJob).Spec.DeploymentName} })
	if err != nil {
		return fmt.Errorf("index FlinkSessionJobs by spec.deploymentName: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1beta1.FlinkSessionJob{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.NewPredicateFuncs(func(o client.Object) bool { return !o.GetDeletionTimestamp().IsZero() }),
		))).
		Watches(&v1beta1.FlinkDeployment{}, handler.EnqueueRequestsFromMapFunc(r.jobsOfSession)).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, maxConcurrent)}).
		Named("flinksessionjob").
		Complete(r)
}

const deploymentNameIndex = "spec.deploymentName"

func (r *Reconciler) jobsOfSession(ctx context.Context, o client.Object) []reconcile.Request {
	list := &v1beta1.FlinkSessionJobList{}
	if err := r.Client.List(ctx, list, client.InNamespace(o.GetNamespace()), client.MatchingFields{deploymentNameIndex: o.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list the session jobs of a session", "session", objref.Of("FlinkDeployment", o).String())
		return nil
	}
	out := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		out[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}
	}
	return out
}

// Reconcile runs one pass for one FlinkSessionJob: one step, then one
// status write when anything changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sj := &v1beta1.FlinkSessionJob{}
	err := r.Client.Get(ctx, req.NamespacedName, sj)
	if err == nil {
		sj, err = r.readLatest(ctx, sj)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			r.fresh.Delete(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if mine, err := r.owns(ctx, sj); err != nil || !mine {
		// Another operator's shard; it finalizes the job too.
		return ctrl.Result{}, err
	}
	if sj.DeletionTimestamp.IsZero() && (!controllerutil.ContainsFinalizer(sj, Finalizer) || sj.Labels[v1beta1.TargetSessionLabel] != sj.Spec.DeploymentName) {
		// Before anything is sent: a job submitted without the finalizer
		// would be left running when the resource is deleted. The label
		// goes with it, in the same write, for a session job the
		// labelling webhook did not see (off, or failurePolicy Ignore).
		patch := client.MergeFromWithOptions(sj.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(sj, Finalizer)
		if sj.Labels == nil {
			sj.Labels = map[string]string{}
		}
		sj.Labels[v1beta1.TargetSessionLabel] = sj.Spec.DeploymentName
		if err := r.Client.Patch(ctx, sj, patch); err != nil {
			if apierrors.IsConflict(err) {
				r.outdated(sj)
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, objref.Of(Kind, sj).Errorf("add finalizer %s and label %s: %w", Finalizer, v1beta1.TargetSessionLabel, err)
		}
		r.remember(sj)
	}
	if !sj.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, sj)
	}
	original := sj.DeepCopy()
	p := &pass{r: r, sj: sj, persisted: original}
	result, stepErr := p.run(ctx)
	if errors.Is(stepErr, errStopped) || isStale(stepErr) {
		if isStale(stepErr) {
			log.FromContext(ctx).V(1).Info("FlinkSessionJob changed since it was read; starting over", "reason", stepErr.Error())
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, stepErr
	}
	if stepErr != nil {
		sj.Status.Error = stepErr.Error()
		r.event(sj, "Warning", ReasonError, stepErr.Error())
		// A failed step is retried with the controller's backoff; its
		// message is written so the user sees it meanwhile.
	}
	if err := r.writeStatus(ctx, p.persisted, sj); err != nil {
		if isStale(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, errors.Join(stepErr, err)
	}
	return result, stepErr
}

// writeStatus writes status when it changed, with the resourceVersion read
// as a precondition: a write decided on an outdated copy is refused
// (409), never recorded.
func (r *Reconciler) writeStatus(ctx context.Context, original, sj *v1beta1.FlinkSessionJob) error {
	applyConditions(sj, r.now())
	if apiequality.Semantic.DeepEqual(original.Status, sj.Status) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, sj, client.MergeFromWithOptions(original, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			r.outdated(original)
		}
		return objref.Of(Kind, sj).Errorf("write status: %w", staleIfConflict(err))
	}
	r.remember(sj)
	return nil
}

// Stale reads, as for FlinkDeployments (reconciler/fence.go): the cache
// can lag behind the reconciler's own last write, and a step decided on
// such a copy would redo what was done (choose a second job id, upload
// again). The reconciler remembers the resourceVersion it last wrote or
// read from the API server; a cached copy at another version is read
// again from the API server. A fresh reconciler (after a restart) has no
// memory: there, the fence before every request to the JobManager
// (pass.fence) and the precondition on every status write refuse a step
// decided on an outdated copy.

var errStale = errors.New("the FlinkSessionJob changed since it was read")

func staleIfConflict(err error) error {
	if apierrors.IsConflict(err) {
		return fmt.Errorf("%w: %w", errStale, err)
	}
	return err
}

func isStale(err error) bool { return errors.Is(err, errStale) }

func (r *Reconciler) remember(sj *v1beta1.FlinkSessionJob) {
	r.fresh.Store(client.ObjectKeyFromObject(sj), confirmed{uid: sj.UID, resourceVersion: sj.ResourceVersion})
}

func (r *Reconciler) outdated(sj *v1beta1.FlinkSessionJob) {
	r.fresh.Store(client.ObjectKeyFromObject(sj), confirmed{uid: sj.UID})
}

// readLatest returns sj, or the FlinkSessionJob as the API server has it
// when sj is not at the version last confirmed.
func (r *Reconciler) readLatest(ctx context.Context, sj *v1beta1.FlinkSessionJob) (*v1beta1.FlinkSessionJob, error) {
	if v, ok := r.fresh.Load(client.ObjectKeyFromObject(sj)); ok {
		c := v.(confirmed)
		if c.uid == sj.UID && c.resourceVersion == sj.ResourceVersion {
			return sj, nil
		}
		if c.uid != sj.UID {
			return sj, nil
		}
	} else {
		return sj, nil
	}
	latest := &v1beta1.FlinkSessionJob{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(sj), latest); err != nil {
		return nil, objref.Of(Kind, sj).Errorf("read again from the API server (the cached copy is not the version last written): %w", err)
	}
	r.remember(latest)
	return latest, nil
}

func (r *Reconciler) event(sj *v1beta1.FlinkSessionJob, eventType, reason, note string) {
	if r.Recorder == nil {
		return
	}
	const maxNote = 1024 // the API server refuses a longer note
	if len(note) > maxNote {
		cut := maxNote - 3
		for cut > 0 && !utf8.RuneStart(note[cut]) {
			cut--
		}
		note = note[:cut] + "..."
	}
	r.Recorder.Eventf(sj, nil, eventType, reason, "Reconcile", "%s", note)
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

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

// hook reports whether Hook stops the pass at step.
func (r *Reconciler) hook(step string) error {
	if r.Hook != nil && r.Hook(step) {
		return errStopped
	}
	return nil
}
