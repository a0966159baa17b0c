package flinkconf

import (
	"strings"
)

// The keys that make Flink serve its REST API over TLS. Flink 1.x falls
// back to the deprecated security.ssl.enabled (TLS for internal and REST
// traffic) when security.ssl.rest.enabled is not set
// (SecurityOptions.isRestSSLEnabled); Flink 2.0 removed that key (the
// release that also moved to config.yaml), so 2.x reads only the REST key.
const (
	KeyRESTSSL   = "security.ssl.rest.enabled"
	KeySSLLegacy = "security.ssl.enabled"
)

// The keys of the stores a REST client uses, as Flink's SSLUtils reads
// them (apache/flink, flink-runtime org.apache.flink.runtime.net.SSLUtils:
// getTrustManagerFactory, getKeyManagerFactory; the keys are in flink-core
// SecurityOptions). Each REST key falls back to the general
// security.ssl.* key of the same name; the types have no fallback and
// default to the JVM's KeyStore.getDefaultType(), PKCS12 on the Java 11+
// of every supported Flink image (JEP 229). The client presents its key
// only when authentication-enabled asks for mutual TLS
// (SSLUtils.createRestSSLContext: ClientAuth.REQUIRE only then).
const (
	KeyRESTSSLMutual          = "security.ssl.rest.authentication-enabled"
	KeyRESTTruststore         = "security.ssl.rest.truststore"
	KeyRESTTruststorePassword = "security.ssl.rest.truststore-password"
	KeyRESTTruststoreType     = "security.ssl.rest.truststore-type"
	KeyRESTKeystore           = "security.ssl.rest.keystore"
	KeyRESTKeystorePassword   = "security.ssl.rest.keystore-password"
	KeyRESTKeyPassword        = "security.ssl.rest.key-password"
	KeyRESTKeystoreType       = "security.ssl.rest.keystore-type"
	KeyRESTCertFingerprint    = "security.ssl.rest.cert.fingerprint"
	KeySSLTruststore          = "security.ssl.truststore"
	KeySSLTruststorePassword  = "security.ssl.truststore-password"
	KeySSLKeystore            = "security.ssl.keystore"
	KeySSLKeystorePassword    = "security.ssl.keystore-password"
	KeySSLKeyPassword         = "security.ssl.key-password"
	KeySSLVerifyHostname      = "security.ssl.verify-hostname"
	// KeySSLAlgorithms lists the cipher suites Flink's endpoints enable,
	// by their standard names (Java's, which are Go's too); its default
	// is TLS_RSA_WITH_AES_128_CBC_SHA alone (SecurityOptions.SSL_ALGORITHMS),
	// a suite Go's client no longer offers unless asked.
	KeySSLAlgorithms = "security.ssl.algorithms"
	// DefaultSSLAlgorithms is KeySSLAlgorithms' default.
	DefaultSSLAlgorithms          = "TLS_RSA_WITH_AES_128_CBC_SHA"
	formStoreTypes                = "JKS or PKCS12"
	storeTypeJKS, storeTypePKCS12 = "jks", "pkcs12"
)

// RESTTLS is how Flink serves its REST API over TLS, and so how the
// operator's REST client must connect.
type RESTTLS struct {
	Enabled bool
	// Key is the key that turned it on, for messages; "" when off.
	Key string
	// Mutual: the JobManager requires a client certificate, and the
	// client presents the keystore's key.
	Mutual bool
	// Truststore holds the certificates the client trusts; its Path is
	// "" when none is configured, and then Flink's client trusts the
	// JVM's default authorities.
	Truststore Store
	// Keystore holds the client's key for mutual TLS.
	Keystore Store
	// KeyPassword decrypts the key in a JKS keystore; KeyPasswordKey is
	// the key it was read from ("" when not set).
	KeyPassword, KeyPasswordKey string
	// VerifyHostname is security.ssl.verify-hostname (default true).
	VerifyHostname bool
	// Algorithms is security.ssl.algorithms, split at commas.
	Algorithms []string
	// CertFingerprint is security.ssl.rest.cert.fingerprint, which the
	// operator does not read (validation says so).
	CertFingerprint string
}

// Store is a truststore or keystore file as the configuration names it.
// The file is read by the operator, from inside its own pod.
type Store struct {
	// Path of the file, and the key that gave it.
	Path, PathKey string
	// Password and the key that gave it; PasswordKey is "" when no key
	// sets it.
	Password, PasswordKey string
	// Type is "jks", "pkcs12", "" when not set, or the value as written
	// when it is a type the operator cannot read (Unsupported).
	Type    string
	TypeKey string
	// Unsupported: Type names a store format other than JKS or PKCS12
	// (BCFKS or PKCS11, say), which Flink may read with a provider of its
	// own, but this operator cannot.
	Unsupported bool
}

// readRESTTLS reads the REST TLS keys as the spec's Flink version does.
// configYAML: the version reads config.yaml (Flink 2.x), which has no
// fallback switch.
func readRESTTLS(r *reader, configYAML bool) RESTTLS {
	var t RESTTLS
	if _, ok := r.raw[KeyRESTSSL]; ok || configYAML {
		if r.bool(KeyRESTSSL, false) {
			t = RESTTLS{Enabled: true, Key: KeyRESTSSL}
		}
	} else if r.bool(KeySSLLegacy, false) {
		t = RESTTLS{Enabled: true, Key: KeySSLLegacy}
	}
	// The other keys are read (and their values checked) even when TLS is
	// off, so a bad value is reported once, on its key, whatever the switch.
	t.Mutual = r.bool(KeyRESTSSLMutual, false)
	t.VerifyHostname = r.bool(KeySSLVerifyHostname, true)
	t.Truststore = readStore(r, KeyRESTTruststore, KeySSLTruststore, KeyRESTTruststorePassword, KeySSLTruststorePassword, KeyRESTTruststoreType)
	t.Keystore = readStore(r, KeyRESTKeystore, KeySSLKeystore, KeyRESTKeystorePassword, KeySSLKeystorePassword, KeyRESTKeystoreType)
	t.KeyPassword, t.KeyPasswordKey = withFallback(r.raw, KeyRESTKeyPassword, KeySSLKeyPassword)
	t.CertFingerprint = strings.TrimSpace(r.raw[KeyRESTCertFingerprint])
	algorithms, ok := r.raw[KeySSLAlgorithms]
	if !ok {
		algorithms = DefaultSSLAlgorithms
	}
	for _, a := range strings.Split(algorithms, ",") {
		if a = strings.TrimSpace(a); a != "" {
			t.Algorithms = append(t.Algorithms, a)
		}
	}
	if !t.Enabled {
		t.Key = ""
	}
	return t
}

// readStore reads one store's path, password and type.
func readStore(r *reader, pathKey, pathFallback, pwKey, pwFallback, typeKey string) Store {
	var s Store
	s.Path, s.PathKey = withFallback(r.raw, pathKey, pathFallback)
	s.Path = strings.TrimSpace(s.Path)
	if s.Path == "" {
		s.PathKey = pathKey
	}
	s.Password, s.PasswordKey = withFallback(r.raw, pwKey, pwFallback)
	if v, ok := r.raw[typeKey]; ok {
		s.TypeKey = typeKey
		switch t := strings.ToLower(strings.TrimSpace(v)); t {
		case storeTypeJKS, storeTypePKCS12:
			s.Type = t
		case "":
			r.invalid(typeKey, "must be a keystore type such as "+formStoreTypes)
		default:
			s.Type, s.Unsupported = strings.TrimSpace(v), true
		}
	}
	return s
}

// withFallback reads key, or fallback when key is not set, as Flink's
// config.get(option, config.get(fallback)) does; it returns the value and
// the key it came from ("" when neither is set).
func withFallback(raw map[string]string, key, fallback string) (string, string) {
	if v, ok := raw[key]; ok {
		return v, key
	}
	if v, ok := raw[fallback]; ok {
		return v, fallback
	}
	return "", ""
}

// SupportedStoreTypes says which store formats the operator's REST client
// reads, for messages.
const SupportedStoreTypes = formStoreTypes
