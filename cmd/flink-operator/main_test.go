package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestBinaryAgainstAPIServer starts the flink-operator binary the way the
// acceptance of the reconciler issue does (KUBECONFIG, no leader election,
// metrics and probes off) and checks that a FlinkDeployment gets its
// objects and status.
func TestBinaryAgainstAPIServer(t *testing.T) {
	env, err := testenv.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	k8s := mustClient(t, env.Config)

	cmd := exec.Command(buildOperator(t), "--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--watch-namespaces", "team-a")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+writeKubeconfig(t, env.Config))
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })

	ctx := context.Background()
	for _, ns := range []string{"team-a", "team-b"} {
		require.NoError(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
		require.NoError(t, k8s.Create(ctx, scaleCR(ns, "job")))
	}

	deadline := time.Now().Add(30 * time.Second)
	var dep appsv1.Deployment
	for {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "job"}, &dep)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no JobManager Deployment after 30s: %v\noperator log:\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, "flink:1.20", dep.Spec.Template.Spec.Containers[0].Image)
	fd := &v1beta1.FlinkDeployment{}
	require.Eventually(t, func() bool {
		return k8s.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "job"}, fd) == nil && fd.Status.LifecycleState != ""
	}, 10*time.Second, 100*time.Millisecond, "status not written")

	// team-b is not watched: nothing may happen there.
	time.Sleep(time.Second)
	err = k8s.Get(ctx, client.ObjectKey{Namespace: "team-b", Name: "job"}, &appsv1.Deployment{})
	assert.Error(t, err, "a namespace outside --watch-namespaces was reconciled")
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: "team-b", Name: "job"}, fd))
	assert.Empty(t, fd.Status.LifecycleState)
	assert.NotContains(t, logs.String(), "panic", fmt.Sprint("operator log:\n", logs.String()))
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--rest-url-template", "ftp://x/{{name}}"},
		{"--rest-url-template", "http://fixed-host:8081"},
		{"--label-selector", "a in (b"},
		{"--no-such-flag"},
	} {
		err := run(args)
		assert.Error(t, err, "%v", args)
	}
	// Refused before the operator reaches for a cluster, naming the flag.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--artifact-mirror", "https://repo1.maven.org/maven2"}, "want FROM=TO"},
		{[]string{"--artifact-mirror", "https://repo1.maven.org/maven2/=http://nexus/central/"}, "an http:// mirror needs --allow-http-artifacts"},
		{[]string{"--artifact-schemes", "https", "--artifact-mirror", "https://repo1.maven.org/maven2/=s3://jars/central/"}, "s3:// is not in --artifact-schemes"},
	} {
		err := run(tc.args)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want)
		assert.Contains(t, err.Error(), "artifact-mirror")
	}
}

// lockedBuffer collects a process's output; exec copies into it from its own
// goroutine while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
