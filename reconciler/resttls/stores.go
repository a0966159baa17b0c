package resttls

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// The store formats, told apart by their first bytes rather than by the
// *-type keys: Java 9 and later load a JKS file into a PKCS12 keystore and
// a PKCS12 file into a JKS one (the JDK's keystore.type.compat, on by
// default), so a Flink on the Java 11+ of every supported image reads
// either file whatever the type key says, and so does the operator.
const (
	formatJKS    = "JKS"
	formatPKCS12 = "PKCS12"
)

// jksMagic and jceksMagic open a JKS and a JCEKS file (the JDK's
// JavaKeyStore and JceKeyStore); a PKCS12 file is a DER SEQUENCE.
var (
	jksMagic   = []byte{0xfe, 0xed, 0xfe, 0xed}
	jceksMagic = []byte{0xce, 0xce, 0xce, 0xce}
)

// sniff says which format data is in.
func sniff(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, jksMagic):
		return formatJKS, nil
	case bytes.HasPrefix(data, jceksMagic):
		return "", errors.New("it is a JCEKS store, which the operator does not read; convert it to PKCS12 or JKS with keytool -importkeystore")
	case len(data) > 0 && data[0] == 0x30:
		return formatPKCS12, nil
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")):
		return "", errors.New("it is a PEM file; Flink and the operator read only keystores: make a PKCS12 or JKS store of it")
	}
	return "", errors.New("it is neither a JKS nor a PKCS12 store")
}

// trustedCerts reads the certificates a truststore trusts.
func trustedCerts(data []byte, password string) ([]*x509.Certificate, error) {
	format, err := sniff(data)
	if err != nil {
		return nil, err
	}
	if format == formatPKCS12 {
		// Java marks trusted certificates with an attribute of its own,
		// and its trust manager takes only those; DecodeTrustStore does
		// the same.
		certs, err := pkcs12.DecodeTrustStore(data, password)
		if err != nil {
			return nil, fmt.Errorf("read PKCS12 truststore: %w", err)
		}
		return certs, nil
	}
	ks, err := loadJKS(data, password)
	if err != nil {
		return nil, err
	}
	// As Java's trust manager (KeyStores.getTrustedCerts): every trusted
	// certificate entry, and the certificate of each private key entry.
	var certs []*x509.Certificate
	for _, alias := range ks.Aliases() {
		var der []byte
		switch {
		case ks.IsTrustedCertificateEntry(alias):
			e, err := ks.GetTrustedCertificateEntry(alias)
			if err != nil {
				return nil, fmt.Errorf("read JKS entry %q: %w", alias, err)
			}
			der = e.Certificate.Content
		case ks.IsPrivateKeyEntry(alias):
			chain, err := ks.GetPrivateKeyEntryCertificateChain(alias)
			if err != nil || len(chain) == 0 {
				continue
			}
			der = chain[0].Content
		default:
			continue
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("read JKS entry %q: %w", alias, err)
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

// clientKey reads the key and certificate chain a keystore holds for the
// client. A PKCS12 store has one password for the store and its key (what
// go-pkcs12 reads); a JKS key has its own, the key password.
func clientKey(data []byte, storePassword, keyPassword string) (tls.Certificate, error) {
	format, err := sniff(data)
	if err != nil {
		return tls.Certificate{}, err
	}
	if format == formatPKCS12 {
		key, cert, chain, err := pkcs12.DecodeChain(data, storePassword)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("read PKCS12 keystore: %w", err)
		}
		out := tls.Certificate{PrivateKey: key, Leaf: cert, Certificate: [][]byte{cert.Raw}}
		for _, c := range chain {
			out.Certificate = append(out.Certificate, c.Raw)
		}
		return out, nil
	}
	ks, err := loadJKS(data, storePassword)
	if err != nil {
		return tls.Certificate{}, err
	}
	var aliases []string
	for _, alias := range ks.Aliases() {
		if ks.IsPrivateKeyEntry(alias) {
			aliases = append(aliases, alias)
		}
	}
	// Java's key manager picks a key per handshake among several; a
	// client store with more than one is rare, and choosing one silently
	// could present the wrong identity.
	switch len(aliases) {
	case 0:
		return tls.Certificate{}, errors.New("the JKS keystore holds no private key")
	case 1:
	default:
		return tls.Certificate{}, fmt.Errorf("the JKS keystore holds %d private keys (%v); the operator presents one, so keep only the client's", len(aliases), aliases)
	}
	e, err := ks.GetPrivateKeyEntry(aliases[0], []byte(keyPassword))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read JKS key %q (wrong key password?): %w", aliases[0], err)
	}
	key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read JKS key %q: %w", aliases[0], err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("read JKS key %q: a %T cannot sign a TLS handshake", aliases[0], key)
	}
	out := tls.Certificate{PrivateKey: signer}
	for _, c := range e.CertificateChain {
		out.Certificate = append(out.Certificate, c.Content)
	}
	if len(out.Certificate) == 0 {
		return tls.Certificate{}, fmt.Errorf("the JKS key %q has no certificate", aliases[0])
	}
	if out.Leaf, err = x509.ParseCertificate(out.Certificate[0]); err != nil {
		return tls.Certificate{}, fmt.Errorf("read JKS key %q certificate: %w", aliases[0], err)
	}
	return out, nil
}

// loadJKS reads a JKS store; its password checks the store's integrity,
// as Java's does when one is given.
func loadJKS(data []byte, password string) (keystore.KeyStore, error) {
	ks := keystore.New()
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return ks, fmt.Errorf("read JKS store (wrong password?): %w", err)
	}
	return ks, nil
}
