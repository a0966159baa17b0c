package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// startOperator runs the built binary against env with args, and returns
// the process and its output.
func startOperatorWith(t *testing.T, env *testenv.Env, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(buildOperator(t), append([]string{"--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+writeKubeconfig(t, env.Config))
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd, logs
}

// Without the FlinkSessionJob CRD (the chart installs it only with
// sessionJobs.enabled), --session-jobs refuses to start, naming the flag,
// the CRD and the chart value.
func TestSessionJobsFlagRefusesWithoutTheCRD(t *testing.T) {
	env, err := testenv.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	cmd, logs := startOperatorWith(t, env, "--session-jobs")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		require.Error(t, err, "the operator must exit")
	case <-time.After(30 * time.Second):
		t.Fatalf("the operator kept running without the CRD; log:\n%s", logs.String())
	}
	assert.Contains(t, logs.String(), "--session-jobs: the API server does not serve flink.apache.org/v1beta1, Kind=FlinkSessionJob")
	assert.Contains(t, logs.String(), "sessionJobs.enabled=true")
}

// With the flag and the CRD, the binary runs the controller: a session job
// whose session does not exist gets the finalizer and says what it waits
// for.
func TestSessionJobsFlagRunsTheController(t *testing.T) {
	env, err := testenv.Start(testenv.WithCRDPaths(filepath.Join(testenv.RepoRoot(), "schemas", "crd")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	k8s := mustClient(t, env.Config)
	_, logs := startOperatorWith(t, env, "--session-jobs")

	ctx := context.Background()
	require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}))
	sj := &v1beta1.FlinkSessionJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "orders"},
		Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session",
			Job: &v1beta1.JobSpec{JarURI: "https://repo.example.com/orders.jar", Parallelism: 1}},
	}
	require.NoError(t, k8s.Create(ctx, sj))
	require.Eventually(t, func() bool {
		got := &v1beta1.FlinkSessionJob{}
		return k8s.Get(ctx, client.ObjectKeyFromObject(sj), got) == nil &&
			slices.Contains(got.Finalizers, sessionjob.Finalizer) &&
			strings.Contains(got.Status.Error, "FlinkDeployment team-a/session does not exist")
	}, 30*time.Second, 100*time.Millisecond, "operator log:\n%s", logs)
}
