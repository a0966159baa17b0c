package reconciler_test

import (
	"crypto/tls"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flinkops/flink-operator/internal/testing/testpki"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// tlsJobManagers serves the suite's fake JobManagers over TLS with a
// certificate of ca, asking for a client certificate signed by clientCA
// when it is not nil. It returns the operator's URL template: plain http,
// as operators are configured; each FlinkDeployment's configuration turns
// it into https.
func tlsJobManagers(t *testing.T, ca, clientCA *testpki.CA) string {
	t.Helper()
	return tlsJobManagersAs(t, ca.Server(t, "127.0.0.1"), clientCA)
}

// tlsJobManagersAs is tlsJobManagers with the server certificate given.
func tlsJobManagersAs(t *testing.T, cert *testpki.Leaf, clientCA *testpki.CA) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(jobs)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS()}}
	if clientCA != nil {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = clientCA.Pool()
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "http://" + srv.Listener.Addr().String() + "/{{namespace}}/{{name}}"
}

// tlsConfig is flinkConfiguration lines for statefulSpec.
func tlsConfig(kv ...string) string {
	var b strings.Builder
	b.WriteString("    security.ssl.rest.enabled: \"true\"\n")
	for i := 0; i < len(kv); i += 2 {
		fmt.Fprintf(&b, "    %s: %q\n", kv[i], kv[i+1])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func writeStore(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

// deployOverTLS creates a stateful application whose JobManager serves
// REST over TLS, driven by its own operator whose template reaches url.
func deployOverTLS(t *testing.T, name, url, config string) *driver {
	t.Helper()
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, statefulSpec(name, "savepoint", config))
	d := &driver{t: t, sim: newSim(t, ns, name, "v1_20"), r: newDirectReconciler(nil)}
	d.r.RESTURLTemplate = url
	return d
}

// TestRESTOverTLS: the operator reaches a JobManager that serves REST over
// TLS by trusting the configured truststore, and presents the keystore's
// key when the JobManager asks for one (mutual TLS).
func TestRESTOverTLS(t *testing.T) {
	ca, clientCA := testpki.NewCA(t, "flink-ca"), testpki.NewCA(t, "client-ca")
	t.Run("PKCS12 truststore", func(t *testing.T) {
		dir := t.TempDir()
		writeStore(t, filepath.Join(dir, "truststore.p12"), testpki.PKCS12Truststore(t, "pw", ca))
		d := deployOverTLS(t, "tls", tlsJobManagers(t, ca, nil), tlsConfig(
			"security.ssl.rest.truststore", filepath.Join(dir, "truststore.p12"), "security.ssl.rest.truststore-password", "pw"))
		fd := d.until("job running over TLS", 30, running)
		assert.Empty(t, fd.Status.Error)
	})
	t.Run("mutual TLS with JKS stores", func(t *testing.T) {
		dir := t.TempDir()
		writeStore(t, filepath.Join(dir, "truststore.jks"), testpki.JKSTruststore(t, "pw", ca))
		writeStore(t, filepath.Join(dir, "keystore.jks"), clientCA.Client(t, "flink-operator").JKSKeystore(t, "pw", "keypw"))
		d := deployOverTLS(t, "mtls", tlsJobManagers(t, ca, clientCA), tlsConfig(
			"security.ssl.rest.authentication-enabled", "true",
			"security.ssl.rest.truststore", filepath.Join(dir, "truststore.jks"), "security.ssl.rest.truststore-password", "pw",
			"security.ssl.rest.keystore", filepath.Join(dir, "keystore.jks"), "security.ssl.rest.keystore-password", "pw",
			"security.ssl.rest.key-password", "keypw"))
		fd := d.until("job running over mutual TLS", 30, running)
		assert.Empty(t, fd.Status.Error)
	})
}

// TestRESTOverTLSWrongTruststore: a truststore that does not trust the
// JobManager's certificate (here: rotated to the wrong CA) leaves the
// operator unable to reach a running job. Status says why, naming the key
// and file; the upgrade that comes meanwhile waits for its savepoint
// rather than taking the unreachable JobManager for a job that is gone;
// and once the truststore is right again, the upgrade goes through the
// savepoint.
func TestRESTOverTLSWrongTruststore(t *testing.T) {
	ca, other := testpki.NewCA(t, "flink-ca"), testpki.NewCA(t, "other-ca")
	dir := t.TempDir()
	path := filepath.Join(dir, "truststore.p12")
	writeStore(t, path, testpki.PKCS12Truststore(t, "pw", ca))
	d := deployOverTLS(t, "tls-wrong", tlsJobManagers(t, ca, nil), tlsConfig(
		"security.ssl.rest.truststore", path, "security.ssl.rest.truststore-password", "pw"))
	d.until("job running over TLS", 30, running)
	require.Len(t, d.sim.starts, 1)

	writeStore(t, path, testpki.PKCS12Truststore(t, "pw", other))
	upgradeImage(t, d.sim.ns, d.sim.name)
	var fd *v1beta1.FlinkDeployment
	for range 15 {
		require.NoError(t, d.pass())
		fd = getFD(t, d.sim.ns, d.sim.name)
	}
	assert.Len(t, d.sim.starts, 1, "the running JobManager is not replaced")
	assert.Zero(t, d.sim.stopTriggers())
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, d.sim.name))
	assert.Empty(t, fd.Status.JobStatus.UpgradeSavepointPath)
	for _, want := range []string{"unknown authority", "not signed by a certificate in security.ssl.rest.truststore " + path} {
		assert.Contains(t, fd.Status.Error, want)
		ready := meta.FindStatusCondition(fd.Status.Conditions, health.Ready)
		require.NotNil(t, ready)
		assert.Contains(t, ready.Message, want, "the Ready condition says why")
	}

	writeStore(t, path, testpki.PKCS12Truststore(t, "pw", ca))
	fd = d.until("upgraded once the truststore is right", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, 1, d.sim.stopTriggers(), "the upgrade took its savepoint")
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
	assert.NotContains(t, fd.Status.Error, "TLS")
}

// TestRESTOverTLSMissingStore: a truststore the operator's pod does not
// have is reported with its key and path.
func TestRESTOverTLSMissingStore(t *testing.T) {
	ca := testpki.NewCA(t, "flink-ca")
	path := filepath.Join(t.TempDir(), "not-mounted.p12")
	d := deployOverTLS(t, "tls-missing", tlsJobManagers(t, ca, nil), tlsConfig(
		"security.ssl.rest.truststore", path, "security.ssl.rest.truststore-password", "pw"))
	fd := d.until("the error in status", 30, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "not-mounted")
	})
	assert.Contains(t, fd.Status.Error, "security.ssl.rest.truststore: read "+path+" in the operator's pod")
	assert.NotEqual(t, "RUNNING", fd.Status.JobStatus.State)
}

// TestRESTOverTLSHostnameFixedByEdit: the JobManager's certificate does
// not name the host the operator dials. Status says so and names the
// https URL that was dialled (the template says http). The user then sets
// security.ssl.verify-hostname: false in the spec; that edit is an
// upgrade, whose savepoint must come from the JobManager deployed with
// the old spec, so the edited spec's setting applies to it too, and the
// upgrade goes through its savepoint.
func TestRESTOverTLSHostnameFixedByEdit(t *testing.T) {
	ca := testpki.NewCA(t, "flink-ca")
	path := filepath.Join(t.TempDir(), "truststore.p12")
	writeStore(t, path, testpki.PKCS12Truststore(t, "pw", ca))
	template := tlsJobManagersAs(t, ca.Server(t, "jobmanager.elsewhere.example"), nil)
	d := deployOverTLS(t, "tls-host", template, tlsConfig(
		"security.ssl.rest.truststore", path, "security.ssl.rest.truststore-password", "pw"))
	dialled := strings.NewReplacer("http://", "https://", "{{namespace}}", d.sim.ns, "{{name}}", "tls-host").Replace(template)
	fd := d.until("the hostname error in status", 30, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "does not name the host")
	})
	assert.Contains(t, fd.Status.Error, "JobManager REST API at "+dialled+" is unreachable")
	assert.Contains(t, fd.Status.Error, "security.ssl.verify-hostname: false")
	require.Len(t, d.sim.starts, 1)

	updateFD(t, d.sim.ns, "tls-host", setConfig(t, "security.ssl.verify-hostname", "false"))
	fd = d.until("upgraded with verify-hostname off", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) && len(d.sim.starts) == 2
	})
	assert.Equal(t, 1, d.sim.stopTriggers(), "the upgrade took its savepoint from the JobManager deployed with the old spec")
	assert.NotEmpty(t, fd.Status.JobStatus.UpgradeSavepointPath)
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
	assert.Empty(t, fd.Status.Error)
}
