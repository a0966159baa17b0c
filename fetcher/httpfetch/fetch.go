// Package httpfetch downloads a jar over https (and http when allowed)
// with the fetcher's rules: allowed schemes, a size limit, the URI's
// #sha256=<hex> checksum, no connection to link-local or metadata
// addresses (redirects included), and a write that is renamed into place
// only when complete. It needs nothing beyond the standard library, so
// the operator can link it to fetch session-job jars without the cloud
// SDKs that package fetcher adds for s3:// and gs:// (flink-fetch), which
// plugs its own downloaders in through Options.Open.
package httpfetch

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/flinkops/flink-operator/fetcher/artifact"
)

// Defaults of Options.
const (
	// DefaultMaxBytes is far above the largest job jars (a few hundred MB)
	// and still stops a wrong URI from filling a disk.
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
	// ErrSchemeNotFetched: the URI's scheme is valid for a jarURI but this
	// fetcher has no downloader for it (s3:// or gs:// without Open).
	ErrSchemeNotFetched = errors.New("scheme not fetched here")
	// ErrSchemeNotAllowed: the scheme is not in Options.AllowedSchemes.
	ErrSchemeNotAllowed = errors.New("scheme not allowed")
	// ErrAddressRefused: a connection (the first or after a redirect)
	// would have gone to a link-local, metadata or refused address.
	ErrAddressRefused = errors.New("address refused")
)

// Download is an opened artifact.
type Download struct {
	Body io.ReadCloser
	// Size is the length the server announced, -1 when unknown.
	Size int64
}

// Opener opens an artifact of a scheme other than http(s).
type Opener func(ctx context.Context, ref *artifact.Ref) (*Download, error)

// Options says what to fetch, where to, and under which rules.
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
	// AllowedSchemes, when not empty, is the only schemes accepted, as the
	// reference's kubernetes.operator.user.artifacts.allowed-schemes.
	AllowedSchemes []string
	// RootCAs verifies https servers; nil uses the system's.
	RootCAs *x509.CertPool
	// Headers are sent with the request to the URI's host, never to
	// another host a redirect leads to.
	Headers http.Header
	// CredentialsHint says where credentials come from, for the error of
	// a 401 or 403.
	CredentialsHint string
	// AllowLoopback accepts loopback addresses. flink-fetch runs in the
	// job's own pod, where loopback is the user's; the operator must not
	// fetch from its own pod's ports on a user's behalf.
	AllowLoopback bool
	// Open opens the schemes other than http(s); nil refuses them with
	// ErrSchemeNotFetched.
	Open Opener
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

// Fetch downloads o.URI into o.Dest. Every error is an *Error.
func Fetch(ctx context.Context, o Options) (*Result, error) {
	fail := func(err error) (*Result, error) {
		return nil, &Error{URI: artifact.Redact(o.URI), Err: err}
	}
	ref, err := artifact.Parse(o.URI, o.AllowHTTP)
	if err != nil {
		return fail(err)
	}
	if len(o.AllowedSchemes) > 0 && !slices.Contains(o.AllowedSchemes, ref.Scheme) {
		return fail(fmt.Errorf("%w: %s:// (allowed: %v)", ErrSchemeNotAllowed, ref.Scheme, o.AllowedSchemes))
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
	if err := CheckFileName(o.FileName); err != nil {
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
	var d *Download
	var err error
	switch {
	case ref.Scheme == artifact.SchemeHTTPS || ref.Scheme == artifact.SchemeHTTP:
		d, err = openHTTP(ctx, ref, o)
	case o.Open != nil:
		d, err = o.Open(ctx, ref)
	default:
		err = fmt.Errorf("%w: %s://", ErrSchemeNotFetched, ref.Scheme)
	}
	if err != nil {
		return nil, err
	}
	defer d.Body.Close()
	if d.Size > o.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d (--max-bytes)", ErrTooLarge, d.Size, o.MaxBytes)
	}
	return WriteAtomically(ctx, o.Dest, o.FileName, d.Body, o.MaxBytes, ref.SHA256)
}
