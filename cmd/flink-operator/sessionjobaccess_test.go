package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
)

// The user the access tests run the operator as.
const sessionJobUser = "sj-operator"

// TestSessionJobAccessIsCheckedAtStart runs the operator binary with
// --session-jobs as a user that may do everything the controller does in
// team-a, but neither watch session jobs, nor patch their status, nor
// create the pods that fetch s3 and gs jars in team-b: it exits before starting, naming each missing permission with its verb,
// resource and namespace, and the chart value that grants them.
func TestSessionJobAccessIsCheckedAtStart(t *testing.T) {
	env, admin := sessionJobAccessEnv(t)
	ctx := context.Background()
	bind(t, admin, "team-a", "sj-all")
	bind(t, admin, "team-b", "sj-partial")

	cmd := exec.Command(buildOperator(t), "--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--session-jobs", "--watch-namespaces=team-a,team-b")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigAs(t, env.Config, sessionJobUser))
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		require.Error(t, err, "the operator must exit; log:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the operator kept running without the rights; log:\n%s", logs.String())
	}
	out := logs.String()
	for _, want := range []string{
		"--session-jobs: the operator (" + sessionJobUser + ") may not",
		"watch flinksessionjobs (flink.apache.org) in namespace team-b",
		"patch flinksessionjobs/status (flink.apache.org) in namespace team-b",
		"create pods (core) in namespace team-b",
		"Refusing to start",
		"sessionJobs.enabled=true",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "in namespace team-a", "team-a grants everything")
	assert.NotContains(t, out, "get flinksessionjobs", "get is granted in both namespaces")
	assert.NotContains(t, out, "Starting Controller", "nothing may start before the check")

	// Watching every namespace needs the rights cluster-wide: RoleBindings
	// in two namespaces are not enough.
	err := checkSessionJobAccess(ctx, impersonated(env.Config, sessionJobUser), nil, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	require.Error(t, err)
	for _, a := range sessionJobAccess {
		assert.Contains(t, err.Error(), permission(a.group, a.resource, a.verb, a.subresource, ""))
	}
	assert.Contains(t, err.Error(), "in every namespace (cluster-wide)")

	// With the rights, in each watched namespace and cluster-wide, it passes.
	bind(t, admin, "team-b", "sj-all")
	assert.NoError(t, checkSessionJobAccess(ctx, impersonated(env.Config, sessionJobUser), []string{"team-a", "team-b"}, func(msg string) { t.Errorf("unexpected warning: %s", msg) }))
	require.NoError(t, admin.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "sj-all"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "sj-all"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: sessionJobUser}},
	}))
	assert.NoError(t, checkSessionJobAccess(ctx, impersonated(env.Config, sessionJobUser), nil, func(msg string) { t.Errorf("unexpected warning: %s", msg) }))
}

// Without the CRD the refusal says so, and how to install it; rights are
// still checked, so that one restart fixes everything.
func TestSessionJobAccessNamesAMissingCRD(t *testing.T) {
	env, err := testenv.Start() // the chart's crds/: no FlinkSessionJob
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	err = checkSessionJobAccess(context.Background(), env.Config, nil, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	require.Error(t, err)
	assert.Equal(t, "--session-jobs: the API server does not serve flink.apache.org/v1beta1, Kind=FlinkSessionJob: the FlinkSessionJob CRD is not installed. "+
		"Refusing to start: "+sessionJobsFix, err.Error())

	err = checkSessionJobAccess(context.Background(), impersonated(env.Config, sessionJobUser), []string{"team-a"}, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the FlinkSessionJob CRD is not installed; and the operator ("+sessionJobUser+") may not get flinksessionjobs (flink.apache.org) in namespace team-a; nor list")
}

// sessionJobAccessEnv starts an API server with both CRDs, the namespaces
// team-a and team-b, and two ClusterRoles: sj-all, what the controller
// does, and sj-partial, that without watch and without status.
func sessionJobAccessEnv(t *testing.T) (*testenv.Env, client.Client) {
	t.Helper()
	env, err := testenv.Start(testenv.WithCRDPaths(filepath.Join(testenv.RepoRoot(), "schemas", "crd")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Stop() })
	admin := mustClient(t, env.Config)
	ctx := context.Background()
	for _, ns := range []string{"team-a", "team-b"} {
		require.NoError(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	rule := func(verbs []string, resources ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{"flink.apache.org"}, Resources: resources, Verbs: verbs}
	}
	for name, rules := range map[string][]rbacv1.PolicyRule{
		"sj-all": {rule([]string{"get", "list", "watch", "patch"}, "flinksessionjobs"), rule([]string{"patch"}, "flinksessionjobs/status"),
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"create", "delete"}}},
		"sj-partial": {rule([]string{"get", "list", "patch"}, "flinksessionjobs"), rule([]string{"get"}, "flinksessionjobs/status"),
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"delete"}}},
	} {
		require.NoError(t, admin.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}))
	}
	return env, admin
}

// bind gives sessionJobUser the ClusterRole role in namespace ns.
func bind(t *testing.T, admin client.Client, ns, role string) {
	t.Helper()
	require.NoError(t, admin.Create(context.Background(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sessionJobUser + "-" + role},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: sessionJobUser}},
	}))
}

// impersonated is cfg acting as user (the API server adds
// system:authenticated, which may read discovery and review its own access).
func impersonated(cfg *rest.Config, user string) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: user}
	return c
}

// kubeconfigAs writes a kubeconfig of the admin credentials that
// impersonates user.
func kubeconfigAs(t *testing.T, cfg *rest.Config, user string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["envtest"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken, Impersonate: user}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "envtest"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, path))
	return path
}
