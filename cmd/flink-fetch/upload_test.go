package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/internal/testing/testpki"
)

// TestUploadToASession: with --upload-to, the fetched jar goes to the
// session's JobManager under the file name the operator chose, and the
// jar id Flink answered is written where the operator reads it (the
// container's termination message).
func TestUploadToASession(t *testing.T) {
	content := []byte("PK\x03\x04 a session job's jar")
	srv := jarServer(t, false, content)
	cluster, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	jm := fakejm.Serve(cluster)
	t.Cleanup(jm.Close)
	result := filepath.Join(t.TempDir(), "termination-log")
	var stderr bytes.Buffer

	code := run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--file", "team-a_orders_3.jar", "--upload-to", jm.URL, "--flink-version", "v1_20", "--result-file", result}, &stderr)
	require.Equal(t, 0, code, stderr.String())
	jars := cluster.Jars()
	require.Len(t, jars, 1)
	assert.Equal(t, "team-a_orders_3.jar", jars[0].Name)
	assert.EqualValues(t, len(content), jars[0].Size)
	id, err := os.ReadFile(result)
	require.NoError(t, err)
	assert.Equal(t, jars[0].ID, string(id))
}

// An upload the JobManager refuses fails the command, naming where it
// went, and writes no jar id; --upload-to without the version is a usage
// error, before anything is fetched.
func TestUploadFailureIsAnError(t *testing.T) {
	srv := jarServer(t, false, []byte("PK\x03\x04"))
	result := filepath.Join(t.TempDir(), "termination-log")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--upload-to", srv.URL + "/no-jobmanager", "--flink-version", "v1_20", "--result-file", result}, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "upload the jar to "+srv.URL+"/no-jobmanager")
	assert.NoFileExists(t, result)

	code = run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--upload-to", srv.URL}, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "--upload-to needs --flink-version")
}

// TestUploadToATLSSession: with --upload-flink-config naming the session's
// configuration folder, a session that serves REST over TLS (and asks for
// a client certificate) is reached over https with the stores that
// configuration names, as the operator reaches it; a JobManager whose
// certificate the truststore did not sign gets nothing.
func TestUploadToATLSSession(t *testing.T) {
	ca, clientCA, other := testpki.NewCA(t, "flink-ca"), testpki.NewCA(t, "client-ca"), testpki.NewCA(t, "other-ca")
	cluster, err := fakejm.NewCluster("v2_2")
	require.NoError(t, err)
	jm := httptest.NewUnstartedServer(cluster)
	jm.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server(t, "127.0.0.1").TLS()},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCA.Pool()}
	jm.StartTLS()
	t.Cleanup(jm.Close)
	srv := jarServer(t, false, []byte("PK\x03\x04 a session job's jar"))

	stores := t.TempDir()
	truststore := filepath.Join(stores, "truststore.p12")
	require.NoError(t, os.WriteFile(truststore, testpki.PKCS12Truststore(t, "pw", ca), 0o600))
	keystore := filepath.Join(stores, "keystore.p12")
	require.NoError(t, os.WriteFile(keystore, clientCA.Client(t, "flink-fetch").PKCS12Keystore(t, "pw"), 0o600))
	conf := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(conf, "config.yaml"), []byte("security.ssl.rest.enabled: true\n"+
		"security.ssl.rest.authentication-enabled: true\n"+
		"security.ssl.rest.truststore: "+truststore+"\nsecurity.ssl.rest.truststore-password: pw\n"+
		"security.ssl.rest.keystore: "+keystore+"\nsecurity.ssl.rest.keystore-password: pw\n"+
		"security.ssl.verify-hostname: false\n"), 0o644))

	// The operator's --rest-url-template says http://; the configuration decides.
	plain := "http://" + strings.TrimPrefix(jm.URL, "https://")
	result := filepath.Join(t.TempDir(), "termination-log")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--file", "team-a_orders_3.jar", "--upload-to", plain, "--flink-version", "v2_2", "--result-file", result, "--upload-flink-config", conf}, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Len(t, cluster.Jars(), 1)
	id, err := os.ReadFile(result)
	require.NoError(t, err)
	assert.Equal(t, cluster.Jars()[0].ID, string(id))

	require.NoError(t, os.WriteFile(truststore, testpki.PKCS12Truststore(t, "pw", other), 0o600))
	stderr.Reset()
	code = run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--file", "team-a_orders_4.jar", "--upload-to", plain, "--flink-version", "v2_2", "--result-file", result, "--upload-flink-config", conf}, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "security.ssl.rest.truststore "+truststore)
	assert.Len(t, cluster.Jars(), 1, "nothing uploaded to a JobManager the truststore does not vouch for")

	stderr.Reset()
	code = run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--allow-http", "--dest", t.TempDir(),
		"--upload-to", plain, "--flink-version", "v2_2", "--result-file", result, "--upload-flink-config", t.TempDir()}, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "neither config.yaml nor flink-conf.yaml is in")
}
