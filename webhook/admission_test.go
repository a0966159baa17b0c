package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/yaml"
)

// serve runs a webhook server on envtest's address until the test ends and
// waits until it answers.
func serve(t *testing.T, opts ctrlwebhook.Options) {
	t.Helper()
	srv := ctrlwebhook.NewServer(opts)
	Register(srv, NewValidator(Options{}))
	RegisterSessionJobs(srv, NewSessionJobValidator(Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool { return srv.StartedChecker()(&http.Request{}) == nil }, 10*time.Second, 50*time.Millisecond, "webhook server did not start")
}

func cr(t *testing.T, ns string, edit func(m map[string]any)) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(goodYAML), &m))
	if edit != nil {
		edit(m)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetNamespace(ns)
	return u
}

const deniedBy = `admission webhook "validate.flinkdeployments.flink.apache.org" denied the request: `

// admits runs the checks every mode of serving must pass: the API server
// calls the webhook over TLS, which refuses bad FlinkDeployments with every
// problem and lets good ones and metadata updates through.
func admits(t *testing.T, c client.Client, ns string) {
	t.Helper()
	ctx := context.Background()

	// Passes the CRD's schema (pod templates are free-form there, and
	// flinkConfiguration entirely), refused by the webhook.
	bad := cr(t, ns, func(m map[string]any) {
		at(m, "metadata")["name"] = "bad"
		at(m, "spec")["podTemplate"] = map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "flink-main-container", "imagee": "x"}}}}
		at(m, "spec")["flinkConfiguration"] = map[string]any{"kubernetes.namespace": "other", "high-availability": map[string]any{"type": "kubernetes"}}
	})
	err := c.Create(ctx, bad)
	require.Error(t, err)
	assert.Equal(t, deniedBy+`FlinkDeployment.flink.apache.org "bad" is invalid: [`+
		`spec.podTemplate.spec.containers[0].imagee: unknown field; did you mean "image"?, `+
		`spec.flinkConfiguration[kubernetes.namespace]: Forbidden: is set by the operator from metadata.name and metadata.namespace; remove it, `+
		`spec.flinkConfiguration[high-availability.storageDir]: Required value: high availability (high-availability.type: kubernetes) keeps JobManager metadata in this directory and Flink does not start without it; for example s3://bucket/flink/ha]`, err.Error())
	var status apierrors.APIStatus
	require.True(t, errors.As(err, &status))
	assert.Equal(t, int32(http.StatusUnprocessableEntity), status.Status().Code)
	require.NotNil(t, status.Status().Details)
	assert.Len(t, status.Status().Details.Causes, 3, "one cause per problem, for kubectl")

	good := cr(t, ns, nil)
	require.NoError(t, c.Create(ctx, good))

	edited := good.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(edited.Object, "ftp://repo.example.com/job.jar", "spec", "job", "jarURI"))
	err = c.Update(ctx, edited)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.job.jarURI must start with local://", "the CRD's own rule refuses this first")
	require.NoError(t, unstructured.SetNestedField(edited.Object, "http://repo.example.com/job.jar", "spec", "job", "jarURI"))
	err = c.Update(ctx, edited)
	require.Error(t, err)
	assert.Equal(t, deniedBy+`FlinkDeployment.flink.apache.org "job" is invalid: spec.job.jarURI: Invalid value: "http://repo.example.com/job.jar": http:// is not allowed by this operator (a jar fetched without TLS can be replaced on the way): use https://, or run the operator with --allow-http-artifacts; allowed: local://, file://, https://, s3://, gs://`, err.Error())

	// After a deployment of a job suspended with last-state, its Flink
	// version is fixed: a transition only the webhook knows.
	suspended := good.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(suspended.Object, "suspended", "spec", "job", "state"))
	require.NoError(t, unstructured.SetNestedField(suspended.Object, "last-state", "spec", "job", "upgradeMode"))
	require.NoError(t, unstructured.SetNestedMap(suspended.Object, map[string]any{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha", "execution.checkpointing.dir": "s3://b/cp"}, "spec", "flinkConfiguration"))
	require.NoError(t, c.Update(ctx, suspended))
	spec, _, err := unstructured.NestedMap(suspended.Object, "spec")
	require.NoError(t, err)
	last, err := yamlToJSON(map[string]any{"spec": spec})
	require.NoError(t, err)
	require.NoError(t, unstructured.SetNestedField(suspended.Object, last, "status", "reconciliationStatus", "lastReconciledSpec"))
	require.NoError(t, c.Status().Update(ctx, suspended), "status updates do not go through the webhook")
	upgraded := suspended.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(upgraded.Object, "v2_0", "spec", "flinkVersion"))
	require.NoError(t, unstructured.SetNestedField(upgraded.Object, "flink:2.0", "spec", "image"))
	err = c.Update(ctx, upgraded)
	require.Error(t, err)
	assert.Equal(t, deniedBy+`FlinkDeployment.flink.apache.org "job" is invalid: spec.flinkVersion: Invalid value: "v2_0": cannot change from v1_20 while the job is suspended with upgradeMode last-state: its state is in high availability metadata of the old version; resume it on v1_20 and change the version with upgradeMode savepoint, or set upgradeMode stateless to start without state`, err.Error())

	// Finalizers on and off, and deletion.
	suspended.SetFinalizers([]string{"flink.apache.org/finalizer"})
	require.NoError(t, c.Update(ctx, suspended))
	require.NoError(t, c.Delete(ctx, suspended))
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(suspended), suspended))
	suspended.SetFinalizers(nil)
	require.NoError(t, c.Update(ctx, suspended))
}

func yamlToJSON(v any) (string, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	j, err := yaml.YAMLToJSON(b)
	return string(j), err
}

// TestAdmissionThroughAPIServer runs the webhook behind a real API server:
// first with certificates from a folder (as cert-manager provides them),
// then with the operator's own self-signed CA, which it puts into the
// ValidatingWebhookConfiguration in place of the one envtest installed.
func TestAdmissionThroughAPIServer(t *testing.T) {
	e, c := apiServer(t)
	o := e.WebhookInstallOptions

	t.Run("certificates from a folder", func(t *testing.T) {
		serve(t, ctrlwebhook.Options{Host: o.LocalServingHost, Port: o.LocalServingPort, CertDir: o.LocalServingCertDir})
		ns := newNamespace(t, c)
		admits(t, c, ns)
		admitsSessionJobs(t, c, ns)
	})

	t.Run("self-signed certificates", func(t *testing.T) {
		ctx := context.Background()
		ns := newNamespace(t, c)
		certs, err := NewSelfSignedCertificates(c, CertificateOptions{
			Namespace: ns, SecretName: "webhook-cert", Hosts: []string{o.LocalServingHost, "localhost"},
			WebhookConfiguration: installedConfiguration, MutatingWebhookConfiguration: installedConfiguration,
		})
		require.NoError(t, err)
		require.NoError(t, certs.Ensure(ctx))
		serve(t, ctrlwebhook.Options{Host: o.LocalServingHost, Port: o.LocalServingPort, TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.GetCertificate = certs.GetCertificate }}})
		// The API server reloads webhook configurations asynchronously:
		// wait until it trusts the new CA.
		probe := cr(t, ns, func(m map[string]any) { at(m, "spec", "job")["jarURI"] = "http://x/j.jar" })
		require.Eventually(t, func() bool {
			err := c.Create(ctx, probe.DeepCopy(), client.DryRunAll)
			return err != nil && strings.HasPrefix(err.Error(), deniedBy)
		}, 30*time.Second, 200*time.Millisecond, "the API server never reached the webhook with the operator's CA")
		admits(t, c, ns)
		// The mutating webhook's configuration got the CA too.
		require.Eventually(t, func() bool {
			probe := sessionJob(t, ns, "probe", nil)
			return c.Create(ctx, probe, client.DryRunAll) == nil && probe.GetLabels()[TargetSessionLabel] == "session"
		}, 30*time.Second, 200*time.Millisecond, "the API server never reached the mutating webhook with the operator's CA")
		admitsSessionJobs(t, c, ns)
	})
}
