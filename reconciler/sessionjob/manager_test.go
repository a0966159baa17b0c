package sessionjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
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
	scheme, err := reconciler.NewScheme()
	require.NoError(t, err)
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:  scheme,
		Cache:   reconciler.CacheOptions(nil, labels.Everything()),
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	require.NoError(t, err)
	r := &sessionjob.Reconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("flink-operator"),
		RESTURLTemplate: jmServer.URL + "/{{namespace}}/{{name}}", FetchJar: jarfetch.New(jarfetch.Config{AllowHTTP: true, MaxBytes: 1 << 20, AllowLoopback: true}),
		AllowHTTPArtifacts: true,
		ProgressInterval:   time.Hour, ResyncInterval: time.Hour,
	}
	require.NoError(t, r.SetupWithManager(mgr, 2))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
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

func isWaitingFor(sj *v1beta1.FlinkSessionJob, what string) bool {
	return sj.Status.Error != "" && contains(sj.Status.Error, what)
}
