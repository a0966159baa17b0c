package httpfetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/flinkops/flink-operator/fetcher/artifact"
)

// Timeouts of the steps before the body flows; the body itself is bounded
// by Options.Timeout only, since large jars on slow links take long.
const (
	dialTimeout           = 30 * time.Second
	tlsHandshakeTimeout   = 15 * time.Second
	responseHeaderTimeout = time.Minute
	maxRedirects          = 10
)

func openHTTP(ctx context.Context, ref *artifact.Ref, o Options) (*Download, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref.URL.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", RedactURLError(err))
	}
	for name, values := range o.Headers {
		req.Header[name] = values
	}
	client := NewClient(ClientOptions{
		RootCAs: o.RootCAs, AllowHTTP: o.AllowHTTP, AllowLoopback: o.AllowLoopback,
		Host: ref.URL.Host, Headers: o.Headers,
	})
	resp, err := client.Do(req)
	if err != nil {
		return nil, RedactURLError(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		hint := o.CredentialsHint
		if hint == "" {
			hint = "user info in the URI"
		}
		return nil, StatusError(resp, hint)
	}
	return &Download{Body: resp.Body, Size: resp.ContentLength}, nil
}

// ClientOptions configures NewClient.
type ClientOptions struct {
	RootCAs       *x509.CertPool
	AllowHTTP     bool
	AllowLoopback bool
	// Host is the host the headers are for; a redirect elsewhere drops
	// them.
	Host    string
	Headers http.Header
}

// NewClient is the http.Client of a fetch: timeouts before the body,
// no decompression, redirects only to https (or http when allowed), the
// caller's headers only for their host, and no connection to a
// link-local, metadata or (unless allowed) loopback address.
func NewClient(o ClientOptions) *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: dialGuard(o.AllowLoopback)}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		TLSClientConfig:       &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		// The bytes written must be the bytes served, which is what a
		// published sha256 is of; jars are compressed already.
		DisableCompression: true,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != artifact.SchemeHTTPS && !(o.AllowHTTP && req.URL.Scheme == artifact.SchemeHTTP) {
				return fmt.Errorf("refusing a redirect to %s: %w", req.URL.Scheme+"://", artifact.ErrHTTPNotAllowed)
			}
			// The user's headers are for the repository they named, not
			// for whatever host it redirects to (a pre-signed download URL
			// rejects a second credential anyway).
			if req.URL.Host != o.Host {
				for name := range o.Headers {
					req.Header.Del(name)
				}
			}
			return nil
		},
	}
}

// StatusError says what a non-200 answer means; bodies are not shown, as
// an error page may echo the request. credentials says where the
// credentials came from.
func StatusError(resp *http.Response, credentials string) error {
	status := fmt.Sprintf("HTTP %s", resp.Status)
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return fmt.Errorf("%w: %s", ErrNotFound, status)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s: the server refused the credentials (%s)", status, credentials)
	}
	return errors.New(status)
}

// RedactURLError keeps net/http's cause but replaces the URL it names,
// which may carry credentials in its user info or query.
func RedactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, artifact.Redact(ue.URL), ue.Err)
	}
	return err
}
