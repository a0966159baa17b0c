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
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flinkops/flink-operator/fetcher/artifact"
)

// Defaults of Options.
const (
	// DefaultMaxBytes is far above the largest job jars (a few hundred MB)
	// and still stops a wrong URI from filling the node's disk.
	DefaultMaxBytes int64 = 1 << 30
	// DefaultTimeout bounds the whole download, connection to rename.
	DefaultTimeout = 10 * time.Minute
)

// Causes a caller (and a test) can tell apart with errors.Is.
var (
	ErrNotFound         = errors.New("not found")
	ErrTooLarge         = errors.New("too large")
	ErrChecksumMismatch = errors.New("sha256 mismatch")
	ErrTimeout          = errors.New("timed out")
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
type Result struct {
	// Path of the file written.
	Path string
	// Bytes written.
	Bytes int64
	// SHA256 of the content, lower-case hex.
	SHA256 string
}

// Error is a failed fetch. It names the URI without its secrets.
type Error struct {
	// URI as artifact.Redact shows it.
	URI string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("fetch %s: %v", e.URI, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// download is one scheme's way of reading an artifact.
type download struct {
	body io.ReadCloser
	// size is the length the server announced, -1 when unknown.
	size int64
}

// Fetch downloads o.URI into o.Dest. Every error is an *Error.
func Fetch(ctx context.Context, o Options) (*Result, error) {
	fail := func(err error) (*Result, error) {
		return nil, &Error{URI: artifact.Redact(o.URI), Err: err}
	}
	ref, err := artifact.Parse(o.URI, o.AllowHTTP)
	if err != nil {
		return fail(err)
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.FileName == "" {
		o.FileName = ref.FileName
	}
	if o.MaxBytes < 0 || o.Timeout < 0 {
		return fail(errors.New("the size limit and the timeout must be positive"))
	}
	if err := checkFileName(o.FileName); err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	res, err := fetch(ctx, ref, o)
	if err != nil {
		// Whatever layer noticed, a passed deadline is the cause to report.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w after %s (--timeout): %w", ErrTimeout, o.Timeout, err)
		}
		return fail(err)
	}
	return res, nil
}

func fetch(ctx context.Context, ref *artifact.Ref, o Options) (*Result, error) {
	var d *download
	var err error
	switch ref.Scheme {
	case artifact.SchemeHTTPS, artifact.SchemeHTTP:
		d, err = openHTTP(ctx, ref, o)
	case artifact.SchemeS3:
		d, err = openS3(ctx, ref)
	case artifact.SchemeGCS:
		d, err = openGCS(ctx, ref, o)
	default:
		// artifact.Parse admits only the schemes above.
		err = fmt.Errorf("scheme %q has no downloader", ref.Scheme)
	}
	if err != nil {
		return nil, err
	}
	defer d.body.Close()
	if d.size > o.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d (--max-bytes)", ErrTooLarge, d.size, o.MaxBytes)
	}
	return writeAtomically(ctx, o.Dest, o.FileName, d.body, o.MaxBytes, ref.SHA256)
}
