package fetcher

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/flinkops/flink-operator/fetcher/artifact"
)

// HeadersEnv names the environment variable with extra HTTP request
// headers, one "Name: value" per line, for artifact repositories that want
// a token. Set it from a Secret (env valueFrom) so the token stays out of
// the FlinkDeployment.
const HeadersEnv = "FETCH_HTTP_HEADERS"

// Timeouts of the steps before the body flows; the body itself is bounded
// by Options.Timeout only, since large jars on slow links take long.
const (
	dialTimeout           = 30 * time.Second
	tlsHandshakeTimeout   = 15 * time.Second
	responseHeaderTimeout = time.Minute
	maxRedirects          = 10
)

func openHTTP(ctx context.Context, ref *artifact.Ref, o Options) (*download, error) {
	headers, err := headersFromEnv()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref.URL.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", redactURLError(err))
	}
	for name, values := range headers {
		req.Header[name] = values
	}
	resp, err := httpClient(o, ref.URL.Host, headers).Do(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, httpStatusError(resp, "user info in the URI, or "+HeadersEnv)
	}
	return &download{body: resp.Body, size: resp.ContentLength}, nil
}

func httpClient(o Options, host string, headers http.Header) *http.Client {
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
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
			if req.URL.Host != host {
				for name := range headers {
					req.Header.Del(name)
				}
			}
			return nil
		},
	}
}

// headersFromEnv reads HeadersEnv. Errors never show a value.
func headersFromEnv() (http.Header, error) {
	raw := os.Getenv(HeadersEnv)
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	headers := http.Header{}
	for i, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("%s line %d: must be \"Name: value\"", HeadersEnv, i+1)
		}
		headers.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
	return headers, nil
}

// httpStatusError says what a non-200 answer means; bodies are not shown,
// as an error page may echo the request. credentials says where the
// credentials came from.
func httpStatusError(resp *http.Response, credentials string) error {
	status := fmt.Sprintf("HTTP %s", resp.Status)
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return fmt.Errorf("%w: %s", ErrNotFound, status)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s: the server refused the credentials (%s)", status, credentials)
	}
	return errors.New(status)
}

// redactURLError keeps net/http's cause but replaces the URL it names,
// which may carry credentials in its user info or query.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, artifact.Redact(ue.URL), ue.Err)
	}
	return err
}
