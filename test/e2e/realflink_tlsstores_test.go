//go:build e2e && realflink

package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// restCA is a certificate authority for a JobManager's REST certificate.
// Keys are RSA: Flink's default security.ssl.algorithms,
// TLS_RSA_WITH_AES_128_CBC_SHA, needs an RSA certificate.
type restCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// restLeaf is a certificate for the JobManager (server authentication)
// that also serves as the client's for mutual TLS, as cert-manager issues
// one with usages "server auth" and "client auth": the operator may
// present Flink's own keystore (docs/rest-tls.md).
type restLeaf struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	ca   *restCA
}

var tlsSerial = time.Now().UnixNano()

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func signCert(t *testing.T, tmpl, parent *x509.Certificate, pub *rsa.PublicKey, parentKey *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tlsSerial++
	tmpl.SerialNumber = big.NewInt(tlsSerial)
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func newRESTCA(t *testing.T) *restCA {
	t.Helper()
	key := rsaKey(t)
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "e2e flink REST CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	return &restCA{cert: signCert(t, tmpl, tmpl, &key.PublicKey, key), key: key}
}

// leaf makes a certificate naming the DNS names given.
func (ca *restCA) leaf(t *testing.T, names ...string) *restLeaf {
	t.Helper()
	key := rsaKey(t)
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	return &restLeaf{cert: signCert(t, tmpl, ca.cert, &key.PublicKey, ca.key), key: key, ca: ca}
}

func (ca *restCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func (l *restLeaf) tlsCert() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{l.cert.Raw, l.ca.cert.Raw}, PrivateKey: l.key}
}

// writePKCS12 writes keystore.p12 (the leaf's key and chain) and
// truststore.p12 (the CA, marked trusted as keytool does) into dir.
func writePKCS12(t *testing.T, dir, password string, l *restLeaf) {
	t.Helper()
	ks, err := pkcs12.Modern.Encode(l.key, l.cert, []*x509.Certificate{l.ca.cert}, password)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{l.ca.cert}, password)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "keystore.p12"), ks)
	writeFile(t, filepath.Join(dir, "truststore.p12"), ts)
}

// writeJKS writes keystore.jks (the leaf's key under keyPassword) and
// truststore.jks (the CA) into dir.
func writeJKS(t *testing.T, dir, storePassword, keyPassword string, l *restLeaf) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(l.key)
	if err != nil {
		t.Fatal(err)
	}
	chain := []keystore.Certificate{{Type: "X509", Content: l.cert.Raw}, {Type: "X509", Content: l.ca.cert.Raw}}
	ks := keystore.New()
	if err := ks.SetPrivateKeyEntry("flink", keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: der,
		CertificateChain: chain}, []byte(keyPassword)); err != nil {
		t.Fatal(err)
	}
	ts := keystore.New()
	if err := ts.SetTrustedCertificateEntry("ca", keystore.TrustedCertificateEntry{CreationTime: time.Now(),
		Certificate: keystore.Certificate{Type: "X509", Content: l.ca.cert.Raw}}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]keystore.KeyStore{"keystore.jks": ks, "truststore.jks": ts} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Store(f, []byte(storePassword)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
