package charts

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestOperatorRunsWithTheChartsRBAC installs the chart's objects on a real
// API server and runs the operator binary with the chart's own flags,
// acting as the chart's service account, so that every request it makes
// is authorized by the chart's RBAC and nothing else. A FlinkDeployment
// goes through creation and deletion; leader election and the webhook's
// self-signed certificate run too. A single denied request fails the
// test. Then the service accounts are checked against what they must not
// do.
func TestOperatorRunsWithTheChartsRBAC(t *testing.T) {
	for _, tc := range []struct {
		name, release, namespace string
		set                      []string
	}{
		{"watched namespace", "e2e-ns", "team-a", []string{"watchNamespaces[0]=team-a"}},
		{"every namespace", "e2e-all", "team-b", []string{"jobServiceAccount.create=false"}},
		// The FlinkSessionJob controller too, with the CRD and rules of
		// sessionJobs.enabled.
		{"session jobs", "e2e-sj", "team-b", []string{"watchNamespaces[0]=team-b", "sessionJobs.enabled=true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testOperatorWithChartRBAC(t, tc.release, tc.namespace, tc.set)
		})
	}
}

func testOperatorWithChartRBAC(t *testing.T, release, jobNS string, set []string) {
	cfg, admin := apiServer(t)
	ctx := context.Background()
	objs, err := render(t, release, []string{"testdata/operator-e2e.yaml"}, set...)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := admin.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("helm"), client.ForceOwnership); err != nil {
			t.Fatalf("apply %s: %v", id(o), err)
		}
	}
	sessionJobs := slices.Contains(set, "sessionJobs.enabled=true")
	if sessionJobs {
		// The operator refuses --session-jobs until the API server serves the kind.
		waitFor(t, 30*time.Second, "the FlinkSessionJob CRD was not established", func() bool {
			var crd apiextensionsv1.CustomResourceDefinition
			if admin.Get(ctx, client.ObjectKey{Name: "flinksessionjobs.flink.apache.org"}, &crd) != nil {
				return false
			}
			return slices.ContainsFunc(crd.Status.Conditions, func(c apiextensionsv1.CustomResourceDefinitionCondition) bool {
				return c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue
			})
		})
	}
	dep := deploymentOf(t, objs)
	operatorSA := "system:serviceaccount:" + releaseNS + ":" + dep.Spec.Template.Spec.ServiceAccountName

	// The chart's flags, then local addresses (later flags win).
	args := append(dep.Spec.Template.Spec.Containers[0].Args,
		"--metrics-bind-address=0", "--health-probe-bind-address=0", "--webhook-port="+freePort(t),
		"--progress-interval=500ms")
	cmd := exec.Command(operatorBinary(t), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigAs(t, cfg, operatorSA, releaseNS))
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("operator log:\n%s", logs.String())
		}
	})

	fd := &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: jobNS, Name: "rbac-check"},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink",
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]any{"taskmanager.numberOfTaskSlots": 2}),
			JobManager:         &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{Memory: "2048m", CPU: ptr.To(1.0)}},
			TaskManager:        &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{Memory: "2048m", CPU: ptr.To(1.0)}},
			Job:                &v1beta1.JobSpec{JarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar", Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeStateless},
		},
	}
	if err := admin.Create(ctx, fd); err != nil {
		t.Fatal(err)
	}
	got := &v1beta1.FlinkDeployment{}
	waitFor(t, 60*time.Second, "the FlinkDeployment was not reconciled", func() bool {
		return admin.Get(ctx, client.ObjectKeyFromObject(fd), got) == nil && got.Status.LifecycleState != "" &&
			admin.Get(ctx, client.ObjectKeyFromObject(fd), &appsv1.Deployment{}) == nil
	}, func() string { return fmt.Sprintf("status: %+v", got.Status) })

	var lease coordinationv1.Lease
	if err := admin.Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: release + "-flink-operator"}, &lease); err != nil || ptr.Deref(lease.Spec.HolderIdentity, "") == "" {
		t.Errorf("leader election Lease %s/%s-flink-operator not held: %v", releaseNS, release, err)
	}
	waitFor(t, 20*time.Second, "the webhook certificate was not written to its Secret and configurations", func() bool {
		var secret corev1.Secret
		var vwc admissionregistrationv1.ValidatingWebhookConfiguration
		webhookConfig := client.ObjectKey{Name: releaseNS + "-" + release + "-flink-operator"}
		if admin.Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: release + "-flink-operator-webhook-cert"}, &secret) != nil ||
			len(secret.Data[corev1.TLSCertKey]) == 0 || admin.Get(ctx, webhookConfig, &vwc) != nil {
			return false
		}
		var bundles [][]byte
		for _, wh := range vwc.Webhooks {
			bundles = append(bundles, wh.ClientConfig.CABundle)
		}
		want := 1
		if sessionJobs {
			// A second validating webhook, and the mutating one.
			var mwc admissionregistrationv1.MutatingWebhookConfiguration
			if admin.Get(ctx, webhookConfig, &mwc) != nil {
				return false
			}
			for _, wh := range mwc.Webhooks {
				bundles = append(bundles, wh.ClientConfig.CABundle)
			}
			want = 3
		}
		return len(bundles) == want && !slices.ContainsFunc(bundles, func(b []byte) bool { return len(b) == 0 })
	})

	if sessionJobs {
		// A session job whose session does not exist: the controller adds
		// its finalizer, patches status, records an event, and on deletion
		// removes the finalizer.
		sj := &v1beta1.FlinkSessionJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: jobNS, Name: "rbac-check-job"},
			Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "no-such-session",
				Job: &v1beta1.JobSpec{JarURI: "https://repo.example.com/jobs/job.jar", Parallelism: 1}},
		}
		if err := admin.Create(ctx, sj); err != nil {
			t.Fatal(err)
		}
		gotSJ := &v1beta1.FlinkSessionJob{}
		waitFor(t, 60*time.Second, "the FlinkSessionJob was not reconciled", func() bool {
			return admin.Get(ctx, client.ObjectKeyFromObject(sj), gotSJ) == nil && len(gotSJ.Finalizers) > 0 &&
				strings.Contains(gotSJ.Status.Error, "does not exist")
		}, func() string { return fmt.Sprintf("finalizers %v, status: %+v", gotSJ.Finalizers, gotSJ.Status) })
		if err := admin.Delete(ctx, sj); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "the FlinkSessionJob was not finalized", func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKeyFromObject(sj), &v1beta1.FlinkSessionJob{}))
		})
	}

	if err := admin.Delete(ctx, fd); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the FlinkDeployment was not finalized", func() bool {
		return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKeyFromObject(fd), &v1beta1.FlinkDeployment{}))
	})
	time.Sleep(time.Second) // events are sent asynchronously; let denials show up
	if log := logs.String(); strings.Contains(strings.ToLower(log), "forbidden") {
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(strings.ToLower(line), "forbidden") {
				t.Errorf("a request of the operator was denied: %s", line)
			}
		}
	}

	// What the operator's service account must not do.
	op := clientAs(t, cfg, operatorSA, releaseNS)
	mustBeDenied(t, "operator: list Secrets", op.List(ctx, &corev1.SecretList{}, client.InNamespace(jobNS)))
	mustBeDenied(t, "operator: read another Secret", op.Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: "other"}, &corev1.Secret{}))
	mustBeDenied(t, "operator: create a Secret", op.Create(ctx, secret(releaseNS), client.DryRunAll))
	mustBeDenied(t, "operator: delete pods", op.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(jobNS), client.DryRunAll))
	if len(set) > 0 && strings.HasPrefix(set[0], "watchNamespaces") {
		otherNS := "team-b"
		if jobNS == otherNS {
			otherNS = "team-a"
		}
		mustBeDenied(t, "operator: list Deployments outside the watched namespaces", op.List(ctx, &appsv1.DeploymentList{}, client.InNamespace(otherNS)))
		mustBeDenied(t, "operator: list FlinkDeployments cluster-wide", op.List(ctx, &v1beta1.FlinkDeploymentList{}))

		// What a native-mode JobManager running as "flink" may and may not do.
		flink := clientAs(t, cfg, "system:serviceaccount:"+jobNS+":flink", jobNS)
		tm := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: jobNS, Name: "tm"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "flink:1.20"}}}}
		mustBeAllowed(t, "flink: create a TaskManager pod", flink.Create(ctx, tm, client.DryRunAll))
		mustBeAllowed(t, "flink: create an HA ConfigMap", flink.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: jobNS, Name: "ha"}}, client.DryRunAll))
		mustBeAllowed(t, "flink: watch pods", flink.List(ctx, &corev1.PodList{}, client.InNamespace(jobNS)))
		mustBeDenied(t, "flink: list Secrets", flink.List(ctx, &corev1.SecretList{}, client.InNamespace(jobNS)))
		mustBeDenied(t, "flink: create a Deployment", flink.Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: jobNS, Name: "x"}}, client.DryRunAll))
		mustBeDenied(t, "flink: create pods in another namespace", flink.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: otherNS, Name: "tm"}, Spec: tm.Spec}, client.DryRunAll))
	}
}

func secret(ns string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "stolen"}}
}

func mustBeDenied(t *testing.T, what string, err error) {
	t.Helper()
	if !apierrors.IsForbidden(err) {
		t.Errorf("%s: want Forbidden, got %v", what, err)
	}
}

func mustBeAllowed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// impersonate returns cfg acting as a service account (user and groups as
// the API server would authenticate its token).
func impersonate(cfg *rest.Config, user, ns string) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{
		UserName: user,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	return c
}

func clientAs(t *testing.T, cfg *rest.Config, user, ns string) client.Client {
	t.Helper()
	c, err := newClient(impersonate(cfg, user, ns))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kubeconfigAs writes a kubeconfig of the admin credentials that
// impersonates user.
func kubeconfigAs(t *testing.T, cfg *rest.Config, user, ns string) string {
	t.Helper()
	c := impersonate(cfg, user, ns)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: c.Host, CertificateAuthorityData: c.CAData}
	kc.AuthInfos["sa"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: c.CertData, ClientKeyData: c.KeyData, Token: c.BearerToken,
		Impersonate: c.Impersonate.UserName, ImpersonateGroups: c.Impersonate.Groups,
	}
	kc.Contexts["sa"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "sa"}
	kc.CurrentContext = "sa"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// waitFor polls cond until it holds or timeout passes; details, if
// given, describe what was seen last.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool, details ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			for _, d := range details {
				what += "; " + d()
			}
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
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
