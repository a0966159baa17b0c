// Package fetcher downloads a job's jar (spec.job.jarURI) into a folder
// before Flink starts. The operator renders an init container that runs it
// as flink-fetch (cmd/flink-fetch, an image of its own), so the download
// happens in the job's own pod, with the credentials the user gave that pod.
//
//   - https:// (and http:// when allowed) through net/http, with timeouts
//     and the proxy settings of the environment;
//   - s3:// through the AWS SDK and its default credential chain
//     (environment, shared files, web identity, Pod Identity, IMDS);
//   - gs:// through the Cloud Storage JSON API with Google application
//     default credentials.
//
// Every download is limited in size, checked against the URI's
// #sha256=<hex> when given, and written to a temporary file in the
// destination folder that is renamed into place only when complete, so
// Flink never sees half a jar.
package fetcher

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/fetcher/httpfetch"
)

// Defaults of Options.
const (
	DefaultMaxBytes = httpfetch.DefaultMaxBytes
	DefaultTimeout  = httpfetch.DefaultTimeout
)

// Causes a caller (and a test) can tell apart with errors.Is; they are
// package httpfetch's, which carries the rules shared with the operator.
var (
	ErrNotFound         = httpfetch.ErrNotFound
	ErrTooLarge         = httpfetch.ErrTooLarge
	ErrChecksumMismatch = httpfetch.ErrChecksumMismatch
	ErrTimeout          = httpfetch.ErrTimeout
)

// Options says what to fetch and where to.
type Options struct {
	// URI is the artifact, as in spec.job.jarURI.
	URI string
	// Dest is the folder the file is written to; it is created if missing.
	Dest string
	// FileName is the name of the file in Dest; empty derives it from the
	// URI (artifact.FileName).
	FileName string
	// MaxBytes is the largest artifact accepted; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds the whole fetch; 0 means DefaultTimeout.
	Timeout time.Duration
	// AllowHTTP accepts plain http:// URIs and redirects to them.
	AllowHTTP bool
	// RootCAs verifies https servers (not S3, which reads AWS_CA_BUNDLE);
	// nil uses the system's, which honour SSL_CERT_FILE and SSL_CERT_DIR.
	RootCAs *x509.CertPool
}

// Result describes a fetched artifact.
type Result = httpfetch.Result

// Error is a failed fetch. It names the URI without its secrets.
type Error = httpfetch.Error

// Fetch downloads o.URI into o.Dest. Every error is an *Error. https and
// http go through package httpfetch, whose rules the operator shares;
// s3 and gs are opened here.
func Fetch(ctx context.Context, o Options) (*Result, error) {
	headers, err := headersFromEnv()
	if err != nil {
		return nil, &Error{URI: artifact.Redact(o.URI), Err: err}
	}
	return httpfetch.Fetch(ctx, httpfetch.Options{
		URI: o.URI, Dest: o.Dest, FileName: o.FileName, MaxBytes: o.MaxBytes, Timeout: o.Timeout,
		AllowHTTP: o.AllowHTTP, RootCAs: o.RootCAs, Headers: headers,
		CredentialsHint: "user info in the URI, or " + HeadersEnv,
		// flink-fetch runs in the job's own pod: its loopback is the user's.
		AllowLoopback: true,
		Open: func(ctx context.Context, ref *artifact.Ref) (*httpfetch.Download, error) {
			switch ref.Scheme {
			case artifact.SchemeS3:
				return openS3(ctx, ref)
			case artifact.SchemeGCS:
				return openGCS(ctx, ref, o)
			}
			return nil, fmt.Errorf("%w: %s://", httpfetch.ErrSchemeNotFetched, ref.Scheme)
		},
	})
}
