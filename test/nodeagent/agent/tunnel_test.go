package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// tlsBackend is an HTTPS server on loopback whose certificate, signed by
// a CA of its own, names only dnsName; it returns the server, its port
// and a pool holding the CA.
func tlsBackend(t *testing.T, dnsName string) (*httptest.Server, int32, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dnsName},
		DNSNames: []string{dnsName}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "flink %s", r.URL.Path)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, portText, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return srv, int32(port), pool
}

// Through CONNECT, an HTTPS client dials the Service's name, reaches the
// pod behind it, and verifies the pod's certificate against that name.
func TestTunnelToServiceOverTLS(t *testing.T) {
	_, port, pool := tlsBackend(t, "demo-rest.ns.svc")
	agent := httptest.NewServer(proxyAgent(t, "127.0.0.1", port, true).Handler())
	defer agent.Close()
	proxyURL, err := url.Parse(agent.URL)
	require.NoError(t, err)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}}

	for _, host := range []string{"demo-rest.ns.svc", "demo-rest.ns.svc.cluster.local"} {
		u := "https://" + host + ":8081/jobs/overview"
		resp, err := client.Get(u)
		if host == "demo-rest.ns.svc.cluster.local" {
			// Reached, but the certificate names only the short form.
			var hostname x509.HostnameError
			assert.ErrorAs(t, err, &hostname, u)
			continue
		}
		require.NoError(t, err, u)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, u)
		assert.Equal(t, "flink /jobs/overview", string(body), u)
	}
}

func TestTunnelRefusesWhatNoServiceServes(t *testing.T) {
	agent := httptest.NewServer(proxyAgent(t, "127.0.0.1", 1, true).Handler())
	defer agent.Close()
	notReady := httptest.NewServer(proxyAgent(t, "127.0.0.1", 1, false).Handler())
	defer notReady.Close()
	for _, tt := range []struct {
		agent, target, want string
	}{
		{agent.URL, "other-rest.ns.svc:8081", "Service/ns/other-rest"},
		{agent.URL, "demo-rest.ns.svc:9999", "has no port 9999"},
		{agent.URL, "127.1.0.5:8081", "want a Service name"},
		{notReady.URL, "demo-rest.ns.svc:8081", "has no ready endpoint"},
	} {
		conn, err := net.Dial("tcp", tt.agent[len("http://"):])
		require.NoError(t, err)
		fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", tt.target, tt.target)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		reply, _ := io.ReadAll(conn)
		conn.Close()
		assert.Contains(t, string(reply), "503 Service Unavailable", tt.target)
		assert.Contains(t, string(reply), tt.want, tt.target)
	}
}

// An HTTPS probe passes whatever authority signed the certificate and
// whatever name it holds, as the kubelet's does.
func TestHTTPSProbeSkipsVerification(t *testing.T) {
	_, port, _ := tlsBackend(t, "demo-rest.ns.svc")
	r := &containerRunner{w: &podWorker{ip: "127.0.0.1"}, c: &corev1.Container{Name: "flink-main-container"}}
	probe := func(scheme corev1.URIScheme) error {
		return r.probeOnce(context.Background(), &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/config", Port: intstr.FromInt32(port), Scheme: scheme}}})
	}
	assert.NoError(t, probe(corev1.URISchemeHTTPS))
	// The same port over plain HTTP gets a TLS server's 400, so the
	// scheme is honoured and the probe can fail.
	assert.Error(t, probe(corev1.URISchemeHTTP))
}
