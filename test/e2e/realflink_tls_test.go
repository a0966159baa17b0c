//go:build e2e && realflink

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealRESTOverTLS: Flink 2.2 native applications serving their REST
// API over TLS (security.ssl.rest.enabled), with stores the test makes and
// mounts from a Secret as docs/rest-tls.md tells users. The operator of
// this test dials the Service's name, https://NAME-rest.NAMESPACE.svc:8081
// (the default --rest-url-template), through the node agent's CONNECT
// tunnel, as an operator in the cluster would: so the certificate is
// checked against the name users put in it.
func TestRealRESTOverTLS(t *testing.T) {
	op := startTLSOperator(t)

	t.Run("one-way TLS, PKCS12", func(t *testing.T) {
		ns := newNamespace(t, "real-tls")
		ca := newRESTCA(t)
		dir := tlsStoreDir(t)
		writePKCS12(t, dir, "pw-p12", ca.leaf(t, serviceNames(ns, "counter")...))
		fd := tlsCounter(t, ns, "counter", dir, map[string]any{
			"security.ssl.rest.keystore": dir + "/keystore.p12", "security.ssl.rest.keystore-password": "pw-p12",
			"security.ssl.rest.key-password": "pw-p12",
			"security.ssl.rest.truststore":   dir + "/truststore.p12", "security.ssl.rest.truststore-password": "pw-p12",
		})
		applyManifest(t, ns, fd)
		jobID := tlsRunningJob(t, op, ns, "counter")
		// Flink serves TLS only: the answer above came over https.
		if state, err := tlsJobState(ns, "counter", jobID, ca.pool(), nil); err != nil || state != "RUNNING" {
			t.Errorf("GET /jobs/%s over https: state %q, %v; want RUNNING", jobID, state, err)
		}
		deleteAndVerify(t, ns, "counter")
	})

	t.Run("mutual TLS, JKS", func(t *testing.T) {
		ns := newNamespace(t, "real-mtls")
		ca := newRESTCA(t)
		dir := tlsStoreDir(t)
		leaf := ca.leaf(t, serviceNames(ns, "counter")...)
		writeJKS(t, dir, "pw-store", "pw-key", leaf)
		fd := tlsCounter(t, ns, "counter", dir, map[string]any{
			"security.ssl.rest.authentication-enabled": "true",
			"security.ssl.rest.keystore":               dir + "/keystore.jks", "security.ssl.rest.keystore-password": "pw-store",
			"security.ssl.rest.key-password": "pw-key",
			"security.ssl.rest.truststore":   dir + "/truststore.jks", "security.ssl.rest.truststore-password": "pw-store",
		})
		applyManifest(t, ns, fd)
		jobID := tlsRunningJob(t, op, ns, "counter")
		cert := leaf.tlsCert()
		if state, err := tlsJobState(ns, "counter", jobID, ca.pool(), &cert); err != nil || state != "RUNNING" {
			t.Errorf("GET /jobs/%s with the client key: state %q, %v; want RUNNING", jobID, state, err)
		}
		// Flink asks for a client certificate: a client that trusts the
		// JobManager but has no key is refused.
		if _, err := tlsJobState(ns, "counter", jobID, ca.pool(), nil); err == nil {
			t.Errorf("GET /jobs/%s without a client key succeeded; want the handshake refused", jobID)
		} else {
			t.Logf("without a client key: %v", err)
		}
		deleteAndVerify(t, ns, "counter")
	})

	t.Run("certificate not naming the Service, then verify-hostname false", func(t *testing.T) {
		ns := newNamespace(t, "real-tls-host")
		ca := newRESTCA(t)
		dir := tlsStoreDir(t)
		writePKCS12(t, dir, "pw-p12", ca.leaf(t, "jobmanager.elsewhere.example"))
		conf := map[string]any{
			"security.ssl.rest.keystore": dir + "/keystore.p12", "security.ssl.rest.keystore-password": "pw-p12",
			"security.ssl.rest.key-password": "pw-p12",
			"security.ssl.rest.truststore":   dir + "/truststore.p12", "security.ssl.rest.truststore-password": "pw-p12",
		}
		fd := tlsCounter(t, ns, "counter", dir, conf)
		applyManifest(t, ns, fd)
		dialled := "https://counter-rest." + ns + ".svc:8081"
		eventually(t, deployTimeout, "status.error naming the host name mismatch", func(ctx context.Context) error {
			u, err := flinkDeployment(ctx, ns, "counter")
			if err != nil {
				return err
			}
			msg := statusString(u, "error")
			for _, want := range []string{"JobManager REST API at " + dialled + " is unreachable", "does not name the host", "security.ssl.verify-hostname: false"} {
				if !strings.Contains(msg, want) {
					return fmt.Errorf("status.error %q lacks %q", msg, want)
				}
			}
			return nil
		})
		oldPod := jobManagerPod(t, ns, "counter")

		// The fix a user makes: the running JobManager keeps its
		// certificate, and the upgrade this edit starts takes its
		// savepoint from it.
		fd["spec"].(map[string]any)["flinkConfiguration"].(map[string]any)["security.ssl.verify-hostname"] = "false"
		applyManifest(t, ns, fd)
		savepoint := waitSavepointAndNewJobManagerPod(t, ns, "counter", oldPod)
		t.Logf("upgrade savepoint %s", savepoint)
		tlsRunningJob(t, op, ns, "counter")
		deleteAndVerify(t, ns, "counter")
	})
}

// tlsRun labels this test's FlinkDeployments: only its own operator, which
// dials Services by name, reconciles them.
func tlsRun() string { return env.runID + "-tls" }

// startTLSOperator runs a second operator for this test's FlinkDeployments,
// with the default --rest-url-template and the node agent as its HTTPS
// proxy. Its FlinkDeployments are deleted while it still runs, so that its
// finalizer is done before it stops.
func startTLSOperator(t *testing.T, extra ...string) *operatorProcess {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "flink-operator-tls.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(env.operatorBin, append([]string{"--kubeconfig", env.kubeconfig,
		"--label-selector", runLabel + "=" + tlsRun(),
		"--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0"}, extra...)...)
	// The API server is on loopback, which Go never proxies.
	cmd.Env = append(os.Environ(), "HTTPS_PROXY="+env.agentURL, "https_proxy="+env.agentURL)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", env.operatorBin, err)
	}
	p := &operatorProcess{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logFile.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.exited)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, env.kubectl, "--kubeconfig", env.kubeconfig, "delete", "flinkdeployments", "-A",
			"-l", runLabel+"="+tlsRun(), "--timeout=90s").CombinedOutput(); err != nil {
			t.Errorf("delete this test's FlinkDeployments: %v: %s", err, out)
		}
		if err := p.stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("===== TLS operator log (last 200 lines) =====\n%s", p.tail(200))
		}
	})
	return p
}

// tlsStoreDir is where the stores live, at the same path for the operator
// (this process's machine) and in Flink's pods (the Secret's mount), as
// docs/rest-tls.md asks. Not t.TempDir: a subtest's name may hold a comma,
// which kubernetes.secrets and kubectl's --from-file take as a separator.
func tlsStoreDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "flink-rest-tls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// serviceNames are the names a REST Service answers to in the cluster.
func serviceNames(ns, name string) []string {
	svc := name + "-rest"
	return []string{svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local", svc + "." + ns, svc}
}

// tlsCounter is keyedCounter on Flink 2.2 with REST over TLS: the stores
// in dir go into Secret flink-rest-cert, which Flink mounts at dir in its
// pods (kubernetes.secrets).
func tlsCounter(t *testing.T, ns, name, dir string, tlsConf map[string]any) map[string]any {
	t.Helper()
	args := []string{"create", "secret", "generic", "flink-rest-cert", "-n", ns}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		args = append(args, "--from-file="+filepath.Join(dir, e.Name()))
	}
	mustKubectl(t, "", args...)
	fd := keyedCounter(ns, name, "2.2", "savepoint")
	fd["metadata"].(map[string]any)["labels"] = map[string]any{runLabel: tlsRun()}
	conf := fd["spec"].(map[string]any)["flinkConfiguration"].(map[string]any)
	conf["security.ssl.rest.enabled"] = "true"
	conf["kubernetes.secrets"] = "flink-rest-cert:" + dir
	for k, v := range tlsConf {
		conf[k] = v
	}
	return fd
}

// tlsRunningJob waits until the cluster is READY and STABLE with its job
// RUNNING, which the operator learns only over REST, and returns the job
// id in status.
func tlsRunningJob(t *testing.T, op *operatorProcess, ns, name string) string {
	t.Helper()
	if err := op.running(); err != nil {
		t.Fatal(err)
	}
	fd := waitReadyStable(t, ns, name, true)
	jobID := statusString(fd, "jobStatus", "jobId")
	if jobID == "" {
		t.Fatalf("status.jobStatus.jobId is empty")
	}
	if msg := statusString(fd, "error"); msg != "" {
		t.Errorf("status.error %q, want none", msg)
	}
	return jobID
}

// tlsJobState reads a job's state over https through the node agent's
// tunnel, verifying the JobManager's certificate against the Service name,
// presenting cert when given.
func tlsJobState(ns, name, jobID string, roots *x509.CertPool, cert *tls.Certificate) (string, error) {
	proxy, err := url.Parse(env.agentURL)
	if err != nil {
		return "", err
	}
	// The suites the operator offers (resttls): Flink's default
	// security.ssl.algorithms, which Go offers only when asked, then Go's
	// own. Flink 2.2 with authentication-enabled refuses a client that
	// offers the former alone (seen on this test's clusters), so the
	// refusal checked below is for the missing key, not the suites.
	suites := []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}
	for _, s := range tls.CipherSuites() {
		suites = append(suites, s.ID)
	}
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12, CipherSuites: suites}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tr := &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	resp, err := c.Get(fmt.Sprintf("https://%s-rest.%s.svc:8081/jobs/%s", name, ns, jobID))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var job struct {
		State string `json:"state"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&job)
	return job.State, err
}
