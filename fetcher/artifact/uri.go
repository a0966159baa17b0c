// Package artifact reads the job jar URIs (spec.job.jarURI) that are fetched
// before Flink starts: which schemes are fetched, where the file lands, the
// optional #sha256=<hex> checksum, and how a URI is shown without its
// secrets. It needs nothing beyond the standard library, so the renderer
// and the fetcher share one reading of a URI without the renderer pulling
// in cloud SDKs.
package artifact

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Schemes of artifacts fetched before Flink starts.
const (
	SchemeHTTPS = "https"
	SchemeHTTP  = "http"
	SchemeS3    = "s3"
	SchemeGCS   = "gs"
)

// DefaultFileName is the file an artifact is stored as when its URI does
// not end in a usable jar name (https://host/download?id=7).
const DefaultFileName = "job.jar"

// ErrHTTPNotAllowed: the URI is plain http:// and the caller did not allow
// it. Callers add how to allow it (an operator flag, a fetcher flag).
var ErrHTTPNotAllowed = errors.New("plain http:// is not allowed: the jar could be altered in transit; use https://")

// Allowed lists what a jarURI may be, for error messages.
const Allowed = "local:// or file:// (a jar in the image), or https://, s3:// or gs:// (fetched before Flink starts; http:// only when the operator allows it)"

// Ref is a remote artifact URI, checked.
type Ref struct {
	// URL without the checksum fragment: what is requested.
	URL *url.URL
	// Scheme is one of the Scheme constants.
	Scheme string
	// Bucket and Key name the object for s3 and gs.
	Bucket, Key string
	// SHA256 is the expected digest in lower-case hex; empty when the URI
	// names none.
	SHA256 string
	// FileName is the file the artifact is stored as.
	FileName string
}

// InImage reports whether a jarURI names a file already in the image
// (local:, file: or a plain path): nothing is fetched for it.
func InImage(raw string) bool {
	scheme, _, found := strings.Cut(raw, ":")
	if !found || strings.Contains(scheme, "/") {
		return true
	}
	switch strings.ToLower(scheme) {
	case "local", "file":
		return true
	}
	return false
}

// Parse checks a remote artifact URI. Errors never contain the URI itself,
// which may carry credentials: callers show Redact(raw) next to them.
func Parse(raw string, allowHTTP bool) (*Ref, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("not a valid URI: %w", err)
	}
	ref := &Ref{Scheme: u.Scheme}
	switch u.Scheme {
	case SchemeHTTPS:
	case SchemeHTTP:
		if !allowHTTP {
			return nil, ErrHTTPNotAllowed
		}
	case SchemeS3, SchemeGCS:
	case "":
		return nil, fmt.Errorf("no scheme: use %s", Allowed)
	default:
		return nil, fmt.Errorf("scheme %q is not supported: use %s", u.Scheme, Allowed)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s:// URI has no %s", u.Scheme, hostWord(u.Scheme))
	}
	if ref.SHA256, err = checksum(u.Fragment); err != nil {
		return nil, err
	}
	u.Fragment, u.RawFragment = "", ""
	name := u.Path
	if u.Scheme == SchemeS3 || u.Scheme == SchemeGCS {
		if u.User != nil || u.Port() != "" {
			return nil, fmt.Errorf("%s:// URI must be %s://BUCKET/KEY, without user or port", u.Scheme, u.Scheme)
		}
		if u.RawQuery != "" {
			return nil, fmt.Errorf("%s:// URI must not have a query", u.Scheme)
		}
		ref.Bucket, ref.Key = u.Host, strings.TrimPrefix(u.Path, "/")
		if ref.Key == "" || strings.HasSuffix(ref.Key, "/") {
			return nil, fmt.Errorf("%s:// URI names no object: use %s://BUCKET/path/to/job.jar", u.Scheme, u.Scheme)
		}
		name = ref.Key
	}
	ref.URL = u
	ref.FileName = FileName(name)
	return ref, nil
}

func hostWord(scheme string) string {
	if scheme == SchemeS3 || scheme == SchemeGCS {
		return "bucket"
	}
	return "host"
}

var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// checksum reads the fragment: nothing, or sha256=<64 hex digits>.
func checksum(fragment string) (string, error) {
	if fragment == "" {
		return "", nil
	}
	value, ok := strings.CutPrefix(fragment, "sha256=")
	if !ok || !sha256Hex.MatchString(value) {
		return "", errors.New("the fragment must be #sha256=<64 hex digits>, the checksum of the jar")
	}
	return strings.ToLower(value), nil
}

var jarName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*\.jar$`)

// FileName is the file an artifact at p (a URL path or object key) is
// stored as: its last segment when that is a plain jar name, else
// DefaultFileName. Plain names keep the file inside the destination folder
// and valid in Flink's configuration without quoting.
func FileName(p string) string {
	if base := path.Base(p); jarName.MatchString(base) {
		return base
	}
	return DefaultFileName
}

// Redact shows a URI without secrets: its user info (a token may be the
// user name) and the values of its query (pre-signed URLs carry signatures
// there) are replaced. Every place that reports a URI (validation and
// render errors, fetcher errors, status, events) shows it through Redact.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactText(raw)
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	// user:token@host/job.jar (no "//") parses as an opaque URI whose
	// scheme is the user; token@host/job.jar as a relative path.
	if at := strings.LastIndex(u.Opaque, "@"); at >= 0 {
		return redacted + u.Opaque[at:]
	}
	if at := strings.LastIndex(u.Path, "@"); u.Scheme == "" && u.Host == "" && at >= 0 && !strings.HasPrefix(u.Path, "/") {
		return redacted + u.Path[at:]
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = redacted
		} else {
			for k := range q {
				q[k] = []string{redacted}
			}
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

const redacted = "xxxxx"

// redactText redacts a URI that does not parse, as text, so the error
// about it can still show what is wrong: everything from the first "?" is
// replaced, and so is whatever precedes an "@" in the authority.
func redactText(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i+1] + redacted
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		authority := raw[i+3:]
		if end := strings.IndexAny(authority, "/?#"); end >= 0 {
			authority = authority[:end]
		}
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			raw = raw[:i+3] + redacted + raw[i+3+at:]
		}
	} else if at := strings.LastIndex(raw, "@"); at >= 0 {
		raw = redacted + raw[at:]
	}
	return raw
}
