package sessionjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Event reasons. They are stable: users and alerting match on them.
const (
	ReasonError     = "Error"
	ReasonSubmitted = "Submitted"
	ReasonJobStatus = "JobStatusChanged"
	// ReasonSpecChangeHeld: a spec change after submission that this
	// release does not carry out yet; the event says what it would do.
	ReasonSpecChangeHeld = "SpecChangeHeld"
	// ReasonValidationError: the spec is invalid (the webhook refuses
	// it; this is for when it is off); nothing new is sent.
	ReasonValidationError = "ValidationError"
	ReasonCleanup         = "Cleanup"
	ReasonCleanupFailed   = "CleanupFailed"
)

// writeAhead chooses the job id and records it, with the spec to submit
// and its restore path, before anything is sent. The status write at the
// end of the pass is the record; the next pass uploads.
func (p *pass) writeAhead() (ctrl.Result, error) {
	mode := p.sj.Spec.Job.UpgradeMode
	if mode == "" {
		mode = v1beta1.DefaultUpgradeMode
	}
	if _, err := p.recordUpgrade(v1beta1.UpgradeProgress{Phase: v1beta1.PhaseDeploying, Mode: mode, RestorePath: p.sj.Spec.Job.InitialSavepointPath}); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{Requeue: true}, nil
}

// recordUpgrade chooses the new job's id and records up, for the current
// generation, with the spec to submit (status.upgrade and
// lastReconciledSpec) before anything is sent: the write-ahead record
// every submission, upgrade and resume starts from.
func (p *pass) recordUpgrade(up v1beta1.UpgradeProgress) (*v1beta1.UpgradeProgress, error) {
	st := &p.sj.Status
	jobID, err := flinkrest.NewTriggerID()
	if err != nil {
		return nil, p.ref().Errorf("choose a job id: %w", err)
	}
	spec, err := json.Marshal(p.recordableSpec())
	if err != nil {
		return nil, p.ref().Errorf("record the spec to submit: %w", err)
	}
	up.JobID, up.TargetGeneration = jobID, p.sj.Generation
	st.Upgrade = &up
	st.ReconciliationStatus.LastReconciledSpec = string(spec)
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	st.ReconciliationStatus.ReconciliationTimestamp = p.r.now().UnixMilli()
	st.Error = ""
	return st.Upgrade, nil
}

// NoFetcherMessage is status.error while the operator has no jar fetcher.
const NoFetcherMessage = "submission held: this operator has no jar fetcher configured; the job id is recorded and nothing was sent"

// ErrJarSchemeNotFetched is wrapped by a JarFetcher that does not fetch
// the jarURI's scheme: the operator fetches https (and, when allowed,
// http) only; s3:// and gs:// need cloud SDKs that it does not link.
var ErrJarSchemeNotFetched = errors.New("the operator fetches https jars only for session jobs")

// jarSchemeHeldPrefix starts status.error while the jarURI's scheme holds
// the submission; conditions.go reads it as Stalled (the user must act).
const jarSchemeHeldPrefix = "submission held: spec.job.jarURI "

// jarSchemeHeldMessage says which field, why, and what to do instead.
func jarSchemeHeldMessage(uri string) string {
	scheme, _, _ := strings.Cut(uri, "://")
	return jarSchemeHeldPrefix + artifact.Redact(uri) + ": the operator runs without a fetcher image (--fetcher-image), whose pod fetches " + scheme +
		":// jars for session jobs; run it with one, or use a presigned https URL of the object " +
		"(aws s3 presign, gcloud storage sign-url) as spec.job.jarURI. The job id is recorded and nothing was sent"
}

func isJarSchemeHeld(s string) bool { return strings.HasPrefix(s, jarSchemeHeldPrefix) }

// adoptSpec records the current spec as the one to submit, keeping the
// recorded job id; only for a submission that sent nothing. A first
// submission also takes the new initialSavepointPath.
func (p *pass) adoptSpec() (*v1beta1.FlinkSessionJobSpec, error) {
	st := &p.sj.Status
	raw, err := json.Marshal(p.recordableSpec())
	if err != nil {
		return nil, p.ref().Errorf("record the spec to submit: %w", err)
	}
	st.ReconciliationStatus.LastReconciledSpec = string(raw)
	st.Upgrade.TargetGeneration = p.sj.Generation
	if st.DeployedWith == nil {
		st.Upgrade.RestorePath = p.sj.Spec.Job.InitialSavepointPath
	}
	st.Error = ""
	return recordedSpec(st)
}

// jarName is the name the jar is uploaded under, so that a jar left
// behind by a crash can be told apart in GET /jars.
func jarName(sj *v1beta1.FlinkSessionJob, generation int64) string {
	return fmt.Sprintf("%s_%s_%d.jar", sj.Namespace, sj.Name, generation)
}

// upload fetches the recorded spec's jar and uploads it, then records the
// jar id at once. A crash between the two leaves a jar on the JobManager
// that no status names; the next pass uploads again, and first deletes
// the jars named after this session job that status.jar does not record
// (jarsweep.go), so the crash's jar goes then.
func (p *pass) upload(ctx context.Context) (ctrl.Result, error) {
	st := &p.sj.Status
	spec, err := recordedSpec(st)
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("read the spec recorded for submission: %w", err)
	}
	if isJarSchemeHeld(st.Error) && p.sj.Generation != st.Upgrade.TargetGeneration && p.sj.Spec.Job != nil && p.sj.Spec.Job.State != v1beta1.JobStateSuspended {
		// Held on the jar's scheme, nothing fetched or sent since: the
		// user's new generation (an https jarURI, say) is what to submit,
		// under the same recorded id.
		if spec, err = p.adoptSpec(); err != nil {
			return ctrl.Result{}, err
		}
	}
	if fetchedInAPod(p.fetchURI(spec.Job.JarURI), spec) && p.r.FetcherImage != "" {
		return p.uploadThroughPod(ctx, spec, jarName(p.sj, st.Upgrade.TargetGeneration))
	}
	if secret := credentialsSecret(spec); secret != "" {
		// Fetching without the Secret the user named would be a guess
		// that fails, or worse, succeeds with other credentials.
		st.Error = jarSchemeHeldPrefix + artifact.Redact(spec.Job.JarURI) + ": " + CredentialsSecretKey + " names Secret " + secret +
			", whose keys only a fetch pod gets, and the operator runs without a fetcher image (--fetcher-image); run it with one. The job id is recorded and nothing was sent"
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	}
	if p.r.FetchJar == nil {
		// Not an error to retry: nothing changes until the operator can
		// fetch jars. The id stays recorded; nothing was sent.
		st.Error = NoFetcherMessage
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	}
	if err := p.fence(ctx); err != nil {
		return ctrl.Result{}, err
	}
	// Nothing is recorded (the step runs without status.jar): every jar
	// named after this session job was left by an earlier pass.
	p.sweepJars(ctx, "")
	dir, err := os.MkdirTemp("", "sessionjob-")
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("make a folder for the jar: %w", err)
	}
	defer os.RemoveAll(dir)
	name := jarName(p.sj, st.Upgrade.TargetGeneration)
	path, err := p.r.FetchJar(ctx, p.fetchURI(spec.Job.JarURI), dir, name)
	if errors.Is(err, ErrJarSchemeNotFetched) {
		// Not an error to retry: nothing changes until the user names an
		// https jar, which is a new generation.
		st.Error = jarSchemeHeldMessage(spec.Job.JarURI)
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	}
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("fetch spec.job.jarURI: %w", err)
	}
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("open the fetched jar: %w", err)
	}
	defer f.Close()
	jarID, err := p.rest.UploadJar(ctx, name, f)
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("upload the jar to session %s: %w", p.session.fd.Name, err)
	}
	if err := p.r.hook(HookUploaded); err != nil {
		return ctrl.Result{}, err
	}
	st.Jar = &v1beta1.UploadedJar{ID: jarID, URI: spec.Job.JarURI, Generation: st.Upgrade.TargetGeneration}
	st.Error = ""
	if err := p.persist(ctx); err != nil {
		// Nothing names the jar: delete it rather than leave it behind.
		if delErr := p.rest.DeleteJar(ctx, jarID); delErr != nil && !flinkrest.IsJarNotFound(delErr) {
			err = fmt.Errorf("%w; and delete the unrecorded jar %s: %w", err, jarID, delErr)
		}
		return ctrl.Result{}, err
	}
	return ctrl.Result{Requeue: true}, nil
}

// fetchURI is where a jarURI is fetched from: its --artifact-mirror, else
// the URI itself. Status and events keep the user's URI.
func (p *pass) fetchURI(uri string) string {
	from, _ := p.r.ArtifactMirrors.Rewrite(uri)
	return from
}

// runJar runs the recorded jar under the recorded job id. The pass only
// gets here once the JobManager said it does not know the id. A lost
// answer (timeout, dropped connection) is an error; the next pass asks
// GetJob and records the job if the run went through.
func (p *pass) runJar(ctx context.Context) (ctrl.Result, error) {
	st := &p.sj.Status
	spec, err := recordedSpec(st)
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("read the spec recorded for submission: %w", err)
	}
	req, err := submission.Request(spec, st.Upgrade.RestorePath, submission.Session{
		FlinkVersion: p.session.fd.Spec.FlinkVersion, JobConfiguration: p.rest.Version().SupportsJobConfiguration(),
	})
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("read spec.flinkConfiguration: %w", err)
	}
	req.JobID = st.Upgrade.JobID
	if err := p.fence(ctx); err != nil {
		return ctrl.Result{}, err
	}
	_, err = p.rest.RunJar(ctx, st.Jar.ID, req)
	switch {
	case err == nil, flinkrest.IsDuplicateJob(err):
		// A duplicate is the same job, submitted by an earlier run whose
		// answer was lost.
	case flinkrest.IsJarNotFound(err):
		// The JobManager lost the jar (a restart without its upload
		// folder): no run could have used it, so upload again.
		st.Jar = nil
		st.Error = p.ref().Errorf("run jar %s: the session's JobManager no longer has it; uploading again: %w", req.JobID, err).Error()
		return ctrl.Result{Requeue: true}, nil
	default:
		return ctrl.Result{}, p.ref().Errorf("run job %s from jar %s on session %s (the next pass asks the JobManager whether it started): %w",
			req.JobID, st.Jar.ID, p.session.fd.Name, err)
	}
	if err := p.r.hook(HookRun); err != nil {
		return ctrl.Result{}, err
	}
	p.record()
	return ctrl.Result{Requeue: true}, nil
}

// record moves the write-ahead job id to the deployed record.
func (p *pass) record() {
	st := &p.sj.Status
	up := st.Upgrade
	st.DeployedWith = &v1beta1.DeployedWith{JobID: up.JobID, RestorePath: up.RestorePath}
	st.JobStatus.JobID = up.JobID
	st.ObservedGeneration = up.TargetGeneration
	st.Upgrade = nil
	st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	st.Error = ""
	p.r.event(p.sj, "Normal", ReasonSubmitted, fmt.Sprintf("Submitted job %s to session %s", up.JobID, p.sj.Spec.DeploymentName))
}

// deleteJar deletes the jar of the submitted job; one the JobManager does
// not have counts as deleted. It then sweeps as the upload step does
// (jarsweep.go): the jars named after this session job that status.jar
// does not record are left from an upload whose record never came, one
// that sweep could not list or delete (a JobManager that did not answer
// then), or one sent after it by an operator that had lost its lease.
func (p *pass) deleteJar(ctx context.Context) (ctrl.Result, error) {
	if p.rest == nil {
		// The session is gone or not ready; the jar went with it or is
		// deleted once it answers.
		p.sj.Status.Error = p.session.why
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
	}
	if err := p.fence(ctx); err != nil {
		return ctrl.Result{}, err
	}
	if err := p.rest.DeleteJar(ctx, p.sj.Status.Jar.ID); err != nil && !flinkrest.IsJarNotFound(err) {
		return ctrl.Result{}, p.ref().Errorf("delete jar %s from session %s: %w", p.sj.Status.Jar.ID, p.session.fd.Name, err)
	}
	p.sweepJars(ctx, p.sj.Status.Jar.ID)
	p.sj.Status.Jar = nil
	return ctrl.Result{Requeue: true}, nil
}

// fence proves, before a request to the JobManager, that the status the
// step was decided on is the latest: a status patch that carries only the
// resourceVersion read, which the API server refuses (409) when anyone
// wrote the FlinkSessionJob since, and which changes nothing otherwise.
func (p *pass) fence(ctx context.Context) error {
	sj := p.persisted.DeepCopy()
	if err := p.r.Client.Status().Patch(ctx, sj, client.MergeFromWithOptions(p.persisted, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			p.r.outdated(p.persisted)
		}
		return p.ref().Errorf("confirm the status is the latest before acting on it: %w", staleIfConflict(err))
	}
	p.persisted.ResourceVersion = sj.ResourceVersion
	p.sj.ResourceVersion = sj.ResourceVersion
	p.r.remember(sj)
	return nil
}

// persist writes status now, within the step, and makes it the base of
// later patches.
func (p *pass) persist(ctx context.Context) error {
	if err := p.r.writeStatus(ctx, p.persisted, p.sj); err != nil {
		return err
	}
	p.persisted = p.sj.DeepCopy()
	return nil
}

// recordedSpec is the spec recorded at the write-ahead: what is uploaded
// and run, whatever the spec says by then.
func recordedSpec(st *v1beta1.FlinkSessionJobStatus) (*v1beta1.FlinkSessionJobSpec, error) {
	spec := &v1beta1.FlinkSessionJobSpec{}
	if err := json.Unmarshal([]byte(st.ReconciliationStatus.LastReconciledSpec), spec); err != nil {
		return nil, err
	}
	if spec.Job == nil {
		return nil, fmt.Errorf("no job in the recorded spec")
	}
	return spec, nil
}

func (r *Reconciler) restTimeout() time.Duration { return orDefault(r.RESTTimeout, DefaultRESTTimeout) }
