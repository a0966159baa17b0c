package resttls

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/testpki"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// jm serves /config over TLS with a certificate of ca for 127.0.0.1,
// asking for a client certificate of clientCA when it is not nil.
func jm(t *testing.T, ca *testpki.CA, clientCA *testpki.CA) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server(t, "127.0.0.1", "localhost").TLS()}}
	if clientCA != nil {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = clientCA.Pool()
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// settings parses a configuration as the operator does.
func settings(t *testing.T, config map[string]any) flinkconf.RESTTLS {
	t.Helper()
	s, errs := flinkconf.Parse(&v1beta1.FlinkDeploymentSpec{FlinkVersion: "v1_20", FlinkConfiguration: v1beta1.NewConfigObject(config)})
	require.Empty(t, errs)
	return s.RESTTLS
}

func write(t *testing.T, dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func get(c *Clients, t flinkconf.RESTTLS, url string) error {
	hc, err := c.For(t)
	if err != nil {
		return err
	}
	resp, err := hc.Get(url + "/config")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// TestTrustOnlyTheTruststore: the client reaches a JobManager whose
// certificate a truststore's CA signed, in either format, and refuses one
// signed by any other CA, saying which key and file to look at.
func TestTrustOnlyTheTruststore(t *testing.T) {
	ca, other := testpki.NewCA(t, "flink-ca"), testpki.NewCA(t, "other-ca")
	srv := jm(t, ca, nil)
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"truststore.p12": testpki.PKCS12Truststore(t, "pw", ca),
		"truststore.jks": testpki.JKSTruststore(t, "pw", ca),
		"keystore.jks":   ca.Server(t, "x").JKSKeystore(t, "pw", "pw"), // its CA entry is trusted
	} {
		t.Run(name, func(t *testing.T) {
			path := write(t, dir, name, data)
			// The type key says PKCS12 whatever the file is: Java reads both.
			cfg := settings(t, map[string]any{"security.ssl.rest.enabled": true, "security.ssl.rest.truststore": path,
				"security.ssl.rest.truststore-password": "pw", "security.ssl.rest.truststore-type": "PKCS12"})
			assert.NoError(t, get(&Clients{}, cfg, srv.URL))
		})
	}

	path := write(t, dir, "other.p12", testpki.PKCS12Truststore(t, "pw", other))
	cfg := settings(t, map[string]any{"security.ssl.rest.enabled": true, "security.ssl.truststore": path, "security.ssl.truststore-password": "pw"})
	err := get(&Clients{}, cfg, srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate signed by unknown authority")
	assert.Contains(t, err.Error(), "not signed by a certificate in security.ssl.truststore "+path)

	// No truststore: the system's authorities, which do not know ca.
	err = get(&Clients{}, settings(t, map[string]any{"security.ssl.rest.enabled": true}), srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the system's certificate authorities (no security.ssl.rest.truststore is set)")
}

// TestMutualTLS: with authentication-enabled the client presents the
// keystore's key, from a PKCS12 or a JKS store (whose key may have its
// own password); without it the JobManager refuses, and the message says
// what to set.
func TestMutualTLS(t *testing.T) {
	ca, clientCA := testpki.NewCA(t, "flink-ca"), testpki.NewCA(t, "client-ca")
	srv := jm(t, ca, clientCA)
	dir := t.TempDir()
	trust := write(t, dir, "truststore.p12", testpki.PKCS12Truststore(t, "pw", ca))
	client := clientCA.Client(t, "flink-operator")
	for name, data := range map[string][]byte{
		"keystore.p12": client.PKCS12Keystore(t, "storepw"),
		"keystore.jks": client.JKSKeystore(t, "storepw", "keypw"),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := settings(t, map[string]any{"security.ssl.rest.enabled": true, "security.ssl.rest.authentication-enabled": true,
				"security.ssl.rest.truststore": trust, "security.ssl.rest.truststore-password": "pw",
				"security.ssl.rest.keystore": write(t, dir, name, data), "security.ssl.rest.keystore-password": "storepw",
				"security.ssl.rest.key-password": "keypw"})
			assert.NoError(t, get(&Clients{}, cfg, srv.URL))
		})
	}
	cfg := settings(t, map[string]any{"security.ssl.rest.enabled": true, "security.ssl.rest.truststore": trust, "security.ssl.rest.truststore-password": "pw"})
	err := get(&Clients{}, cfg, srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set security.ssl.rest.authentication-enabled: true with security.ssl.rest.keystore")
}

// TestStoreErrors: each way a store cannot be read is reported with the
// key and the file, before any request.
func TestStoreErrors(t *testing.T) {
	ca := testpki.NewCA(t, "flink-ca")
	dir := t.TempDir()
	trust := write(t, dir, "truststore.jks", testpki.JKSTruststore(t, "pw", ca))
	p12 := write(t, dir, "truststore.p12", testpki.PKCS12Truststore(t, "pw", ca))
	keyJKS := write(t, dir, "keystore.jks", ca.Client(t, "op").JKSKeystore(t, "pw", "keypw"))
	pem := write(t, dir, "ca.pem", []byte("-----BEGIN CERTIFICATE-----\n"))
	missing := filepath.Join(dir, "missing.jks")
	base := map[string]any{"security.ssl.rest.enabled": true}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		config map[string]any
		want   []string
	}{
		{"missing file", with("security.ssl.rest.truststore", missing, "security.ssl.rest.truststore-password", "pw"),
			[]string{"security.ssl.rest.truststore: read " + missing + " in the operator's pod", "no such file"}},
		{"wrong JKS password", with("security.ssl.rest.truststore", trust, "security.ssl.rest.truststore-password", "nope"),
			[]string{"security.ssl.rest.truststore " + trust + " (password from security.ssl.rest.truststore-password)", "wrong password"}},
		{"wrong PKCS12 password", with("security.ssl.rest.truststore", p12, "security.ssl.rest.truststore-password", "nope"),
			[]string{"security.ssl.rest.truststore " + p12, "password incorrect"}},
		{"no truststore password", with("security.ssl.rest.truststore", trust),
			[]string{"security.ssl.rest.truststore is set but security.ssl.rest.truststore-password is not"}},
		{"PEM", with("security.ssl.rest.truststore", pem, "security.ssl.rest.truststore-password", "pw"),
			[]string{"it is a PEM file"}},
		{"unsupported type", with("security.ssl.rest.keystore-type", "BCFKS"),
			[]string{`security.ssl.rest.keystore-type: "BCFKS": the operator's REST client reads only JKS or PKCS12 stores`}},
		{"mutual without keystore", with("security.ssl.rest.authentication-enabled", true),
			[]string{"security.ssl.rest.authentication-enabled is true", "security.ssl.rest.keystore is not set"}},
		{"wrong key password", with("security.ssl.rest.authentication-enabled", true, "security.ssl.rest.keystore", keyJKS,
			"security.ssl.rest.keystore-password", "pw", "security.ssl.rest.key-password", "nope"),
			[]string{"security.ssl.rest.keystore " + keyJKS, "security.ssl.rest.key-password", "wrong key password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := (&Clients{}).For(settings(t, tc.config))
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestRotation: a store replaced on disk (as the kubelet updates a Secret
// volume) is used from the next client on, and the cache stays bounded.
func TestRotation(t *testing.T) {
	oldCA, newCA := testpki.NewCA(t, "old"), testpki.NewCA(t, "new")
	dir := t.TempDir()
	path := write(t, dir, "truststore.p12", testpki.PKCS12Truststore(t, "pw", oldCA))
	cfg := settings(t, map[string]any{"security.ssl.rest.enabled": true, "security.ssl.rest.truststore": path, "security.ssl.rest.truststore-password": "pw"})
	c := &Clients{}
	assert.NoError(t, get(c, cfg, jm(t, oldCA, nil).URL))
	rotated := jm(t, newCA, nil)
	assert.Error(t, get(c, cfg, rotated.URL))
	write(t, dir, "truststore.p12", testpki.PKCS12Truststore(t, "pw", newCA))
	assert.NoError(t, get(c, cfg, rotated.URL))

	first, err := c.For(cfg)
	require.NoError(t, err)
	again, err := c.For(cfg)
	require.NoError(t, err)
	assert.Same(t, first, again, "unchanged files share a client")
	for i := range 2 * maxClients {
		other := cfg
		other.Truststore.Password = fmt.Sprint(i) // a different client each (the store will not open; read only)
		other.Truststore.Path = write(t, dir, fmt.Sprintf("t%d.p12", i), testpki.PKCS12Truststore(t, fmt.Sprint(i), oldCA))
		_, err := c.For(other)
		require.NoError(t, err)
	}
	assert.Equal(t, maxClients, c.Len())
}

// TestHostnameCheck: Flink's security.ssl.verify-hostname (default true)
// decides whether the name is checked; the chain always is.
func TestHostnameCheck(t *testing.T) {
	ca := testpki.NewCA(t, "flink-ca")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server(t, "other.example").TLS()}}
	srv.StartTLS()
	defer srv.Close()
	path := write(t, t.TempDir(), "truststore.p12", testpki.PKCS12Truststore(t, "pw", ca))
	cfg := map[string]any{"security.ssl.rest.enabled": true, "security.ssl.rest.truststore": path, "security.ssl.rest.truststore-password": "pw"}
	err := get(&Clients{}, settings(t, cfg), srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set security.ssl.verify-hostname: false")
	cfg["security.ssl.verify-hostname"] = false
	assert.NoError(t, get(&Clients{}, settings(t, cfg), srv.URL))
	cfg["security.ssl.rest.truststore"] = write(t, t.TempDir(), "o.p12", testpki.PKCS12Truststore(t, "pw", testpki.NewCA(t, "o")))
	assert.True(t, strings.Contains(fmt.Sprint(get(&Clients{}, settings(t, cfg), srv.URL)), "unknown authority"))
}

// TestCipherSuites: Flink's default suite, which Go leaves out unless
// asked, is offered first, then Go's own.
func TestCipherSuites(t *testing.T) {
	got := cipherSuites([]string{flinkconf.DefaultSSLAlgorithms, "NOT_A_SUITE"})
	require.NotEmpty(t, got)
	assert.Equal(t, tls.TLS_RSA_WITH_AES_128_CBC_SHA, got[0])
	assert.Contains(t, got, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
}
