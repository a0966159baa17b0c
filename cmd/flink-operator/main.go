// Command flink-operator runs the FlinkDeployment controller.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/validation"
)

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		// --help was asked for and printed: not a failure.
	case err != nil:
		fmt.Fprintln(os.Stderr, "flink-operator:", err)
		os.Exit(1)
	}
}

// helpOutput is where --help goes: standard output, as users of
// flink-operator --help | less expect.
var helpOutput io.Writer = os.Stdout

const operatorUsage = `usage: flink-operator [flags]

Runs the FlinkDeployment controller: watches FlinkDeployments (of every
namespace, or of --watch-namespaces) and applies the Kubernetes objects
of their Flink clusters, upgrading jobs as their upgradeMode says.

Examples:
  flink-operator --kubeconfig ~/.kube/config
  flink-operator --watch-namespaces analytics,etl --leader-elect
  flink-operator --label-selector shard=a --leader-election-id flink-operator-a
  flink-operator --webhook --webhook-cert-dir /tmp/k8s-webhook-server/serving-certs

The Helm chart (charts/flink-operator) sets these for a cluster install.

flags:
`

type options struct {
	watchNamespaces  string
	labelSelector    string
	leaderElect      bool
	leaderElectionNS string
	metricsAddr      string
	probeAddr        string
	pprofAddr        string
	maxConcurrent    int
	restURLTemplate  string
	// Remote job jars (renderer.RenderContext).
	fetcherImage       string
	artifactSchemes    []string
	artifactMirrors    artifact.Mirrors
	allowHTTPArtifacts bool
	progressInterval   time.Duration
	resyncInterval     time.Duration
	// sessionJobs runs the experimental FlinkSessionJob controller.
	sessionJobs bool
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("flink-operator", flag.ContinueOnError)
	fs.StringVar(&o.watchNamespaces, "watch-namespaces", "", "comma-separated namespaces to watch; empty watches all")
	fs.StringVar(&o.labelSelector, "label-selector", "", "only reconcile FlinkDeployments matching this label selector (to shard a fleet across operators); with --session-jobs, also the FlinkSessionJobs whose session it matches")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "elect a leader with a Lease so that only one replica reconciles")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "namespace of the leader election Lease (default: the operator's own)")
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint; 0 disables it")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0", "address of Go's pprof endpoints, for diagnosing memory or CPU; 0 disables them")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz; 0 disables them")
	fs.IntVar(&o.maxConcurrent, "max-concurrent-reconciles", 4, "FlinkDeployments reconciled in parallel")
	fs.StringVar(&o.restURLTemplate, "rest-url-template", reconciler.DefaultRESTURLTemplate, "URL of each JobManager's REST API; {{name}} and {{namespace}} are replaced")
	fs.StringVar(&o.fetcherImage, "fetcher-image", renderer.DefaultFetcherImage, "image of the init container that downloads https, s3 and gs job jars; it runs /usr/local/bin/flink-fetch (the flink-fetch image of this release)")
	fs.BoolVar(&o.allowHTTPArtifacts, "allow-http-artifacts", false, "accept plain http:// job jars (spec.job.jarURI)")
	fs.Func("artifact-schemes", "remote job jar schemes accepted, comma-separated, of https, s3 and gs (the reference's kubernetes.operator.user.artifacts.allowed-schemes; default all three)", func(s string) (err error) {
		o.artifactSchemes, err = validation.ParseArtifactSchemes(s)
		return err
	})
	fs.Func("artifact-mirror", "fetch remote job jars under FROM from TO instead, given as FROM=TO, two URI prefixes ending in / (Maven's mirrorOf: https://repo1.maven.org/maven2/=https://nexus.example.com/repository/central/); repeat for more, the longest FROM wins", func(s string) error {
		m, err := artifact.ParseMirror(s)
		o.artifactMirrors = append(o.artifactMirrors, m)
		return err
	})
	fs.DurationVar(&o.progressInterval, "progress-interval", reconciler.DefaultProgressInterval, "how often a starting JobManager is checked")
	fs.DurationVar(&o.resyncInterval, "resync-interval", reconciler.DefaultResyncInterval, "how often a settled cluster is observed")
	fs.BoolVar(&o.sessionJobs, "session-jobs", false, sessionJobsHelp)
	// --kubeconfig is registered by controller-runtime's config package on
	// the global flag set; KUBECONFIG works too.
	kubeconfig := fs.String("kubeconfig", "", "path to a kubeconfig; default: $KUBECONFIG, then in-cluster")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	var gatePolicy gate.Policy
	bindGateFlags(fs, &gatePolicy)
	var election leaderElection
	election.bindFlags(fs)
	var hooks webhookOptions
	addWebhookFlags(fs, &hooks)
	memory := bindMemoryFlags(fs)
	// The flag package would print the flags to stderr on --help and on
	// any mistake; --help prints them to stdout, a mistake only its error.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(helpOutput, operatorUsage)
			fs.SetOutput(helpOutput)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%w (run 'flink-operator --help' for usage)", err)
	}
	if err := election.validate(); err != nil {
		return err
	}
	if err := validation.CheckArtifactMirrors(o.artifactMirrors, validation.Options{AllowHTTPArtifacts: o.allowHTTPArtifacts, Schemes: o.artifactSchemes}); err != nil {
		return err
	}
	capVerbosity(&zapOpts)
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	if err := applyMemorySettings(memory, o.pprofAddr); err != nil {
		return err
	}
	if *kubeconfig != "" {
		os.Setenv("KUBECONFIG", *kubeconfig)
	}
	if err := reconciler.ValidateRESTURLTemplate(o.restURLTemplate); err != nil {
		return err
	}
	crSelector := labels.Everything()
	if o.labelSelector != "" {
		s, err := labels.Parse(o.labelSelector)
		if err != nil {
			return fmt.Errorf("--label-selector %q: %w", o.labelSelector, err)
		}
		crSelector = s
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	// Refuse to run against a CRD that would prune the upgrade record from
	// every status write (crdcheck.go).
	crdCtx, cancelCRDCheck := context.WithTimeout(context.Background(), 30*time.Second)
	err = checkInstalledCRD(crdCtx, cfg, func(msg string) { ctrl.Log.Info(msg) })
	cancelCRDCheck()
	if err != nil {
		return err
	}
	if o.sessionJobs {
		// Refuse to start the FlinkSessionJob controller without its CRD or
		// its rights (sessionjobaccess.go).
		accessCtx, cancelAccessCheck := context.WithTimeout(context.Background(), 30*time.Second)
		err = checkSessionJobAccess(accessCtx, cfg, splitList(o.watchNamespaces), func(msg string) { ctrl.Log.Info(msg) })
		cancelAccessCheck()
		if err != nil {
			return err
		}
	}
	scheme, err := reconciler.NewScheme()
	if err != nil {
		return err
	}
	mgrOpts := ctrl.Options{
		Scheme:                  scheme,
		Cache:                   reconciler.CacheOptions(splitList(o.watchNamespaces), crSelector),
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionNamespace: o.leaderElectionNS,
		// Stop reconciling at once when leadership is lost; the next leader
		// resumes from what status recorded.
		LeaderElectionReleaseOnCancel: true,
	}
	election.apply(&mgrOpts)
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	r := &reconciler.Reconciler{
		Client:             mgr.GetClient(),
		APIReader:          mgr.GetAPIReader(),
		Scheme:             mgr.GetScheme(),
		Recorder:           mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate:    o.restURLTemplate,
		ProgressInterval:   o.progressInterval,
		ResyncInterval:     o.resyncInterval,
		GatePolicy:         gatePolicy,
		FetcherImage:       o.fetcherImage,
		AllowHTTPArtifacts: o.allowHTTPArtifacts,
		ArtifactSchemes:    o.artifactSchemes,
		ArtifactMirrors:    o.artifactMirrors,
	}
	if err := r.SetupWithManager(mgr, o.maxConcurrent); err != nil {
		return fmt.Errorf("set up controller: %w", err)
	}
	if o.sessionJobs {
		if err := setupSessionJobs(mgr, &o, gatePolicy, crSelector); err != nil {
			return err
		}
		// A session's deletion waits for the session jobs that name it,
		// and its restart for those whose jobs run on it.
		r.SessionJobsOf = sessionJobsOf(mgr)
		r.SessionJobsRunningOn = sessionJobsRunningOn(mgr)
	}
	if err := setupMetrics(mgr); err != nil {
		return err
	}
	// The webhook validates with the settings the reconciler renders with.
	hooks.renderContext = renderer.RenderContext{FetcherImage: o.fetcherImage, AllowHTTPArtifacts: o.allowHTTPArtifacts, ArtifactSchemes: o.artifactSchemes, ArtifactMirrors: o.artifactMirrors}
	hooks.sessionJobs = o.sessionJobs
	if err := setupWebhook(mgr, &hooks); err != nil {
		return err
	}
	if o.probeAddr != "0" {
		if err := addProbes(mgr); err != nil {
			return err
		}
	}
	ctrl.Log.Info("starting flink-operator", "watchNamespaces", o.watchNamespaces, "leaderElection", o.leaderElect)
	return mgr.Start(ctrl.SetupSignalHandler())
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
