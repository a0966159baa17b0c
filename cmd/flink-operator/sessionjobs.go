package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/jarfetch"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// sessionJobsHelp documents --session-jobs. The controller is off by
// default because it is incomplete (docs/design/sessionjob.md): it
// submits, observes and deletes session jobs, carries out stateless,
// savepoint and last-state upgrades, savepoint redeploys, restarts of a
// failed job, manual and periodic savepoints and suspend/resume, and
// holds the checkpoint nonce. It fetches https jars itself through
// package httpfetch (http:// with --allow-http-artifacts); s3:// and
// gs:// jars are fetched by a pod of the --fetcher-image, since the
// operator links no cloud SDK (TestOperatorDoesNotLinkTheFetcher). The chart installs the CRD and RBAC
// for the kind only with sessionJobs.enabled, which passes this flag, so
// that no cluster accepts session jobs that nothing would run.
const sessionJobsHelp = "EXPERIMENTAL, incomplete: run the FlinkSessionJob controller (waits for the session, fetches https jars and submits with a write-ahead job id, observes, deletes, " +
	"upgrades stateless, savepoint and last-state jobs, restarts failed jobs from their latest checkpoint, takes manual and periodic savepoints, suspends and resumes; " +
	"s3:// and gs:// jars are fetched by a pod of the --fetcher-image that uploads them to the session; the checkpoint nonce is held; a session's restart first stops its session jobs with a savepoint, and resumes them from it after). " +
	"Needs the FlinkSessionJob CRD and RBAC for flinksessionjobs (get, list, watch, patch; patch on flinksessionjobs/status) and pods (create, delete), checked at start-up; " +
	"the chart installs both and sets this flag with sessionJobs.enabled=true"

// setupSessionJobs registers the FlinkSessionJob controller, after
// checking that the API server serves the kind: without the CRD the
// manager would start and then fail on its first watch, with a message
// that does not say which flag asked for it. checkSessionJobAccess has
// checked that already, and the operator's rights, before the manager
// was created; this is the same check on the manager's own REST mapper.
//
// With --label-selector a session job is reconciled by the operator whose
// selector matches its session FlinkDeployment (sessionjob/shard.go).
func setupSessionJobs(mgr ctrl.Manager, o *options, policy gate.Policy, selector labels.Selector) error {
	gvk := v1beta1.GroupVersion.WithKind("FlinkSessionJob")
	if _, err := mgr.GetRESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
		if meta.IsNoMatchError(err) {
			return fmt.Errorf("--session-jobs: the API server does not serve %s: the FlinkSessionJob CRD is not installed. Refusing to start: %s", gvk, sessionJobsFix)
		}
		return fmt.Errorf("--session-jobs: look up %s: %w", gvk, err)
	}
	r := &sessionjob.Reconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Recorder:         mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate:  o.restURLTemplate,
		ProgressInterval: o.progressInterval,
		ResyncInterval:   o.resyncInterval,
		// https only, no credentials of the operator's own, and never
		// the operator's pod or a metadata address (package httpfetch).
		FetchJar: jarfetch.New(jarfetch.Config{AllowHTTP: o.allowHTTPArtifacts}),
		// s3:// and gs:// jars are fetched by a pod of the image that
		// fetches FlinkDeployments' jars (sessionjob/fetchpod.go).
		FetcherImage:       o.fetcherImage,
		AllowHTTPArtifacts: o.allowHTTPArtifacts,
		ArtifactSchemes:    o.artifactSchemes,
		ArtifactMirrors:    o.artifactMirrors,
		// Manual and periodic savepoints are timed as FlinkDeployments'
		// (--savepoint-poll-interval, --savepoint-timeout, ...).
		SnapshotPolicy: policy,
		Selector:       selector,
	}
	if err := r.SetupWithManager(mgr, o.maxConcurrent); err != nil {
		return fmt.Errorf("set up the FlinkSessionJob controller: %w", err)
	}
	ctrl.Log.Info("the FlinkSessionJob controller is on (experimental)")
	return nil
}

// sessionJobsOf lists the session jobs of a session FlinkDeployment for the
// FlinkDeployment controller, which blocks the session's deletion while
// any is left. It reads the cache, through the index the FlinkSessionJob
// controller registers.
func sessionJobsOf(mgr ctrl.Manager) func(context.Context, *v1beta1.FlinkDeployment) ([]string, error) {
	return func(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]string, error) {
		return sessionjob.ReferencingJobs(ctx, mgr.GetClient(), fd)
	}
}

// sessionJobsRunningOn lists the session jobs whose jobs run on a session
// FlinkDeployment, for the gate, which holds the session's restart while
// any does.
func sessionJobsRunningOn(mgr ctrl.Manager) func(context.Context, *v1beta1.FlinkDeployment) ([]string, error) {
	return func(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]string, error) {
		return sessionjob.RunningJobs(ctx, mgr.GetClient(), fd)
	}
}
