package webhook

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Lifetimes of the self-signed certificates. The serving certificate is
// renewed well before it expires, and the CA long before it does, so that
// every replica has picked up the new material before the old stops working.
const (
	caValidity      = 10 * 365 * 24 * time.Hour
	servingValidity = 365 * 24 * time.Hour
	renewServingIn  = 30 * 24 * time.Hour
	renewCAIn       = 365 * 24 * time.Hour
	// clockSkew backdates certificates, so that an API server whose clock
	// is a little behind still accepts a certificate issued just now.
	clockSkew = time.Hour
)

// keyPair is a certificate with its private key, parsed and as PEM.
type keyPair struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// newCA creates a self-signed certificate authority.
func newCA(now time.Time) (*keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "flink-operator-webhook-ca"},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	return issue(tmpl, nil)
}

// newServingCert issues a serving certificate for hosts (DNS names or IP
// addresses) signed by ca.
func newServingCert(ca *keyPair, hosts []string, now time.Time) (*keyPair, error) {
	if len(hosts) == 0 {
		return nil, errors.New("a serving certificate needs at least one host name")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: hosts[0]},
		NotBefore:   now.Add(-clockSkew),
		NotAfter:    now.Add(servingValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return issue(tmpl, ca)
}

// issue signs tmpl with a new P-256 key, by ca or by itself when ca is nil.
func issue(tmpl *x509.Certificate, ca *keyPair) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	parent, signer := tmpl, crypto.Signer(key)
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("sign certificate %s: %w", tmpl.Subject.CommonName, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return parseKeyPair(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// parseKeyPair reads a PEM certificate (the first of certPEM) and its key.
func parseKeyPair(certPEM, keyPEM []byte) (*keyPair, error) {
	certs, err := parseCertificates(certPEM)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no PEM private key")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if parsed, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
	}
	key, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of type %T cannot sign", parsed)
	}
	if !publicKeysEqual(certs[0].PublicKey, key.Public()) {
		return nil, errors.New("private key does not belong to the certificate")
	}
	return &keyPair{cert: certs[0], key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw}), keyPEM: keyPEM}, nil
}

// parseCertificates reads every PEM certificate of data.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// expiresWithin reports whether the certificate is not valid for at least
// d from now.
func (kp *keyPair) expiresWithin(d time.Duration, now time.Time) bool {
	return now.Add(d).After(kp.cert.NotAfter) || now.Before(kp.cert.NotBefore)
}

// covers reports whether the certificate names every host.
func (kp *keyPair) covers(hosts []string) bool {
	for _, h := range hosts {
		if kp.cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// signedBy reports whether ca signed the certificate.
func (kp *keyPair) signedBy(ca *keyPair) bool {
	return kp.cert.CheckSignatureFrom(ca.cert) == nil
}

// caBundle is the PEM the API server trusts: the current CA, then older
// CAs still valid, so that replicas serving a certificate of the old CA keep
// working until they load the new one.
func caBundle(current *keyPair, previous []byte, now time.Time) []byte {
	out := bytes.Clone(current.certPEM)
	old, err := parseCertificates(previous)
	if err != nil {
		return out
	}
	for _, c := range old {
		if c.Equal(current.cert) || now.After(c.NotAfter) || !c.IsCA {
			continue
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}
