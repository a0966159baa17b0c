package resttls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// explaining adds to a failed TLS handshake which key and file to look at:
// Go's own messages ("certificate signed by unknown authority") do not
// know the FlinkDeployment's configuration.
type explaining struct {
	base     *http.Transport
	settings flinkconf.RESTTLS
}

func (e *explaining) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := e.base.RoundTrip(req)
	if err != nil {
		if hint := e.hint(err); hint != "" {
			err = &HandshakeError{Hint: hint, Err: err}
		}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (e *explaining) CloseIdleConnections() { e.base.CloseIdleConnections() }

// HandshakeError is a TLS failure with the JobManager, with what to check.
type HandshakeError struct {
	Hint string
	Err  error
}

func (e *HandshakeError) Error() string { return fmt.Sprintf("TLS: %v (%s)", e.Err, e.Hint) }
func (e *HandshakeError) Unwrap() error { return e.Err }

func (e *explaining) hint(err error) string {
	t := e.settings
	trusted := "the system's certificate authorities (no " + flinkconf.KeyRESTTruststore + " is set)"
	if t.Truststore.Path != "" {
		trusted = fmt.Sprintf("%s %s", t.Truststore.PathKey, t.Truststore.Path)
	}
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		alert    tls.AlertError
		record   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		return "the JobManager's certificate is not signed by a certificate in " + trusted
	case errors.As(err, &hostname):
		return fmt.Sprintf("the JobManager's certificate does not name the host the operator dials; add it to the certificate, or set %s: false to check only that it is signed by %s", flinkconf.KeySSLVerifyHostname, trusted)
	case errors.As(err, &invalid):
		return "the JobManager's certificate is not valid (expired, or not for TLS servers); it was checked against " + trusted
	case errors.As(err, &verify):
		return "the JobManager's certificate did not verify against " + trusted
	case errors.As(err, &record):
		return fmt.Sprintf("the JobManager does not answer TLS on its REST port, though %s is true in the configuration it was deployed with", t.Key)
	case errors.As(err, &alert), strings.Contains(err.Error(), "remote error: tls:"):
		if t.Mutual {
			return fmt.Sprintf("the JobManager refused the handshake; it asks for a client certificate, and the operator presented the key in %s %s, which must be signed by a certificate in the JobManager's truststore", t.Keystore.PathKey, t.Keystore.Path)
		}
		return fmt.Sprintf("the JobManager refused the handshake: if it asks for a client certificate, set %s: true with %s; if no cipher suite is shared, check %s", flinkconf.KeyRESTSSLMutual, flinkconf.KeyRESTKeystore, flinkconf.KeySSLAlgorithms)
	}
	return ""
}
