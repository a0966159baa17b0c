package flinkrest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults chosen for a reconciler: a JobManager that does not answer within
// 10s is treated as unavailable and the reconcile is requeued, and a couple
// of quick retries absorb leader elections and restarts without stalling a
// worker for long.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultAttempts       = 3
	DefaultInitialBackoff = 200 * time.Millisecond
	maxBackoff            = 2 * time.Second
	// maxResponseBytes bounds what is read from one response; exception
	// histories with stack traces are the largest bodies and stay far below.
	maxResponseBytes = 16 << 20
)

// Client talks to one Flink JobManager REST endpoint. It is safe for
// concurrent use.
type Client struct {
	base       string // scheme://host[:port][/prefix], escaped, no trailing slash
	version    Version
	initErr    error
	httpClient *http.Client
	timeout    time.Duration
	runTimeout time.Duration
	attempts   int
	backoff    time.Duration
	onError    func(method, path string, status int)
}

// Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient sets the http.Client used for requests, e.g. one with a
// custom transport for TLS or a port-forward dialer. Its own Timeout still
// applies on top of the per-attempt timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.httpClient = hc
		}
	}
}

// WithSetupError makes every call on the client fail with err, wrapped:
// the caller could not build what the client needs (its TLS stores, say),
// and the reason must reach whoever reads the call's error.
func WithSetupError(err error) Option {
	return func(c *Client) {
		if err != nil && c.initErr == nil {
			c.initErr = err
		}
	}
}

// WithTimeout bounds each HTTP attempt (not the whole call with its
// retries, which the caller's context bounds). Non-positive values keep the
// default.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRunTimeout bounds a jar run (RunJar) instead of the per-attempt
// timeout; non-positive values keep DefaultRunTimeout.
func WithRunTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.runTimeout = d
		}
	}
}

// WithRetry sets how many attempts idempotent calls get in total (1 disables
// retries) and the first backoff, which doubles per retry up to 2s.
func WithRetry(attempts int, initialBackoff time.Duration) Option {
	return func(c *Client) {
		if attempts >= 1 {
			c.attempts = attempts
		}
		if initialBackoff >= 0 {
			c.backoff = initialBackoff
		}
	}
}

// WithErrorObserver has f called for each failed call (not for a
// cancelled one) with its method, path and HTTP status (0 when no answer
// came), so the operator can count REST failures in its metrics without
// this package depending on them.
func WithErrorObserver(f func(method, path string, status int)) Option {
	return func(c *Client) { c.onError = f }
}

// New returns a client for the JobManager at baseURL, which may carry a path
// prefix (e.g. http://127.0.0.1:9081/ns/name) that every REST path is
// appended to. version ("v1_20", or "1.20.1") selects the request shapes.
// New never fails, so it can be used in struct literals and wiring code; an
// invalid baseURL or version is reported by every call on the client.
func New(baseURL string, version string, opts ...Option) *Client {
	c := &Client{
		httpClient: http.DefaultClient,
		timeout:    DefaultTimeout,
		runTimeout: DefaultRunTimeout,
		attempts:   DefaultAttempts,
		backoff:    DefaultInitialBackoff,
	}
	c.base, c.initErr = normalizeBase(baseURL)
	if c.initErr == nil {
		c.version, c.initErr = ParseVersion(version)
		if c.initErr == nil && !c.version.Supported() {
			c.initErr = fmt.Errorf("flink version %s: %w (supported %s to %s)",
				c.version, ErrUnsupported, OldestSupported, NewestSupported)
		}
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL is the URL every REST path is appended to, as dialled (the
// operator turns http into https for a JobManager that serves TLS), for
// messages; "" when the URL given to New was invalid.
func (c *Client) BaseURL() string { return c.base }

// Version is the Flink version whose request shapes the client uses.
func (c *Client) Version() Version { return c.version }

func normalizeBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("flink REST base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("flink REST base URL %q: want http(s)://host[:port][/prefix]", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("flink REST base URL %q: must not have a query or fragment", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// call describes one REST request.
type call struct {
	method string
	path   string // escaped REST path starting with "/", e.g. /jobs/<id>/stop
	query  url.Values
	body   any // JSON-encoded when non-nil
	// retry marks calls that are safe to repeat: reads, and triggers that
	// Flink deduplicates by a client-supplied triggerId.
	retry bool
	// upload, when set, is sent as the multipart body instead of body. It
	// is read once, so such a call is never retried.
	upload *upload
	// timeout replaces the client's per-attempt timeout when positive.
	timeout time.Duration
}

// do runs c and decodes a 2xx JSON body into out (when non-nil). A failure
// is reported to the error observer, if any.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	err := c.send(ctx, cl, out)
	if err != nil && c.onError != nil && !errors.Is(err, context.Canceled) {
		status := 0
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			status = apiErr.StatusCode
		}
		c.onError(cl.method, cl.path, status)
	}
	return err
}

// send runs c, retrying when cl.retry allows.
func (c *Client) send(ctx context.Context, cl call, out any) error {
	if c.initErr != nil {
		return fmt.Errorf("flink REST %s %s: %w", cl.method, cl.path, c.initErr)
	}
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("flink REST %s %s: encode request: %w", cl.method, cl.path, err)
		}
	}
	attempts := 1
	if cl.retry && cl.upload == nil {
		attempts = c.attempts
	}
	backoff := c.backoff
	var err error
	for i := 1; ; i++ {
		var retryable bool
		retryable, err = c.attempt(ctx, cl, payload, out)
		if err == nil || !retryable || i >= attempts {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w; gave up after %d attempts: %w", err, i, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
	return err
}

// attempt sends one request. retryable says whether a failure may be
// transient: transport errors while ctx is still live, and 5xx answers.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte, out any) (retryable bool, err error) {
	timeout := c.timeout
	if cl.timeout > 0 {
		timeout = cl.timeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	target := c.base + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var body io.Reader
	contentType := ""
	if payload != nil {
		body, contentType = bytes.NewReader(payload), "application/json"
	}
	if cl.upload != nil {
		var done func()
		body, contentType, done = cl.upload.stream()
		defer done()
	}
	req, err := http.NewRequestWithContext(actx, cl.method, target, body)
	if err != nil {
		return false, fmt.Errorf("flink REST %s %s: %w", cl.method, cl.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		// url.Error repeats method and full URL; the prefix below says it
		// more briefly, and errors.Is still sees the underlying cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ctx.Err() == nil, fmt.Errorf("flink REST %s %s: %w", cl.method, cl.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("flink REST %s %s: read response: %w", cl.method, cl.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return retryableStatus(resp.StatusCode), newAPIError(cl, resp.StatusCode, data)
	}
	if out == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("flink REST %s %s: decode %d response: %w", cl.method, cl.path, resp.StatusCode, err)
	}
	return false, nil
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, // Flink < 1.16 answers 500 while not ready
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func newAPIError(cl call, code int, body []byte) *APIError {
	e := &APIError{Method: cl.method, Path: cl.path, StatusCode: code}
	var parsed struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(body, &parsed) == nil && len(parsed.Errors) > 0 {
		e.Errors = parsed.Errors
		return e
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		const maxLen = 512
		if len(s) > maxLen {
			s = s[:maxLen] + "..."
		}
		e.Errors = []string{s}
	}
	return e
}

// jobPath builds /jobs/<id><suffix>, escaping the id so a malformed id can
// never address a different endpoint.
func jobPath(jobID string, suffix ...string) string {
	p := "/jobs/" + url.PathEscape(jobID)
	for _, s := range suffix {
		p += "/" + url.PathEscape(s)
	}
	return p
}
