package sessionjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/jarfetch"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestManagerWakesAWaitingJobWhenItsSessionIsReady runs the controller as
// the operator does (a manager, its caches, SetupWithManager). The
// intervals are an hour, so only the watch on the session FlinkDeployment
// can start the submission once the session is READY.
func TestManagerWakesAWaitingJobWhenItsSessionIsReady(t *testing.T) {
	runManager(t, labels.Everything(), func(r *sessionjob.Reconciler) {
		r.ProgressInterval, r.ResyncInterval = time.Hour, time.Hour
	})

	ns := newNamespace(t)
	cluster := createSession(t, ns, notReadySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	require.Eventually(t, func() bool {
		return isWaitingFor(getSJ(t, ns), "is not READY")
	}, 20*time.Second, 50*time.Millisecond, "the job waits for its session")

	setSessionStatus(t, ns, v1beta1.JMReady)
	require.Eventually(t, func() bool { return running(getSJ(t, ns)) }, 20*time.Second, 50*time.Millisecond,
		"RUNNING once the session is READY, woken by the session's change")
	require.Equal(t, 1, cluster.Counters().JarRuns)
}

// runManager runs the controller as the operator does (a manager, its
// caches, SetupWithManager) with the operator's --label-selector, until
// the test ends; configure adjusts the reconciler.
func runManager(t *testing.T, selector labels.Selector, configure func(*sessionjob.Reconciler)) {
	t.Helper()
	scheme, err := reconciler.NewScheme()
	require.NoError(t, err)
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:  scheme,
		Cache:   reconciler.CacheOptions(nil, selector),
		Metrics: metricsserver.Options{BindAddress: "0"},
		// Tests run several managers in one process, each registering
		// the same controller name.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	require.NoError(t, err)
	r := &sessionjob.Reconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate: jmServer.URL + "/{{namespace}}/{{name}}", FetchJar: jarfetch.New(jarfetch.Config{AllowHTTP: true, MaxBytes: 1 << 20, AllowLoopback: true}),
		AllowHTTPArtifacts: true, Selector: selector,
	}
	configure(r)
	require.NoError(t, r.SetupWithManager(mgr, 2))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

func isWaitingFor(sj *v1beta1.FlinkSessionJob, what string) bool {
	return sj.Status.Error != "" && contains(sj.Status.Error, what)
}
