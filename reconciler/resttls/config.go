package resttls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// material is what one client is built from: the settings and the bytes
// of the files they name, read once per client request.
type material struct {
	settings   flinkconf.RESTTLS
	truststore []byte // nil when no truststore is configured
	keystore   []byte // nil unless mutual TLS
}

// read gathers the files the settings name. Every error names the key and
// the file.
func read(t flinkconf.RESTTLS, readFile func(string) ([]byte, error)) (material, error) {
	m := material{settings: t}
	for _, s := range []flinkconf.Store{t.Truststore, t.Keystore} {
		if s.Unsupported {
			return m, fmt.Errorf("%s: %q: the operator's REST client reads only %s stores", s.TypeKey, s.Type, flinkconf.SupportedStoreTypes)
		}
	}
	if ts := t.Truststore; ts.Path != "" {
		if ts.PasswordKey == "" {
			// As Flink's SSLUtils.getTrustManagerFactory, which refuses a
			// truststore without a password.
			return m, fmt.Errorf("%s is set but %s is not; Flink requires both", ts.PathKey, flinkconf.KeyRESTTruststorePassword)
		}
		data, err := readFile(ts.Path)
		if err != nil {
			return m, fmt.Errorf("%s: read %s in the operator's pod (mount the Secret that holds it into the operator at the same path): %w", ts.PathKey, ts.Path, err)
		}
		m.truststore = data
	}
	if t.Mutual {
		ks := t.Keystore
		if ks.Path == "" {
			return m, fmt.Errorf("%s is true, so the JobManager asks for a client certificate, but %s is not set", flinkconf.KeyRESTSSLMutual, flinkconf.KeyRESTKeystore)
		}
		if ks.PasswordKey == "" {
			return m, fmt.Errorf("%s is set but %s is not; Flink requires both", ks.PathKey, flinkconf.KeyRESTKeystorePassword)
		}
		data, err := readFile(ks.Path)
		if err != nil {
			return m, fmt.Errorf("%s: read %s in the operator's pod (mount the Secret that holds it into the operator at the same path): %w", ks.PathKey, ks.Path, err)
		}
		m.keystore = data
	}
	return m, nil
}

// tlsConfig builds the client's TLS settings from what read gathered.
func (m material) tlsConfig() (*tls.Config, error) {
	t := m.settings
	// TLS 1.2 at least, as Flink's default security.ssl.protocol.
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: cipherSuites(t.Algorithms)}
	if m.truststore != nil {
		certs, err := trustedCerts(m.truststore, t.Truststore.Password)
		if err != nil {
			return nil, fmt.Errorf("%s %s (password from %s): %w", t.Truststore.PathKey, t.Truststore.Path, t.Truststore.PasswordKey, err)
		}
		if len(certs) == 0 {
			return nil, fmt.Errorf("%s %s: holds no trusted certificate", t.Truststore.PathKey, t.Truststore.Path)
		}
		// Only the truststore's certificates: never the system's too.
		cfg.RootCAs = x509.NewCertPool()
		for _, c := range certs {
			cfg.RootCAs.AddCert(c)
		}
	}
	if m.keystore != nil {
		keyPassword := t.KeyPassword
		if t.KeyPasswordKey == "" {
			// Flink requires the key password too (getAndCheckOption);
			// keytool's default gives the key the store's password.
			keyPassword = t.Keystore.Password
		}
		cert, err := clientKey(m.keystore, t.Keystore.Password, keyPassword)
		if err != nil {
			return nil, fmt.Errorf("%s %s (passwords from %s and %s): %w", t.Keystore.PathKey, t.Keystore.Path, t.Keystore.PasswordKey, orKey(t.KeyPasswordKey, flinkconf.KeyRESTKeyPassword), err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if !t.VerifyHostname {
		// security.ssl.verify-hostname: false still checks the chain
		// against the trusted certificates, only not the name.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the JobManager presented no certificate")
			}
			opts := x509.VerifyOptions{Roots: cfg.RootCAs, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return cfg, nil
}

func orKey(key, def string) string {
	if key == "" {
		return def
	}
	return key
}

// cipherSuites offers the TLS 1.2 suites security.ssl.algorithms names
// that Go knows, then Go's own secure ones: Flink's REST endpoint enables
// only the configured suites, and its default (TLS_RSA_WITH_AES_128_CBC_SHA)
// is one Go leaves out unless it is asked for. TLS 1.3 suites are not
// configurable in Go and always offered.
func cipherSuites(names []string) []uint16 {
	// Go counts the RSA key exchange suites as insecure (no forward
	// secrecy); they are offered only when the configuration names them.
	byName := map[string]uint16{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		byName[s.Name] = s.ID
	}
	var out []uint16
	seen := map[uint16]bool{}
	add := func(id uint16) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, n := range names {
		if id, ok := byName[n]; ok {
			add(id)
		}
	}
	for _, s := range tls.CipherSuites() {
		add(s.ID)
	}
	return out
}
