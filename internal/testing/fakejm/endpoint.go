package fakejm

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Endpoint is a handler served on a real loopback listener. Unlike a bare
// httptest.Server it can stop accepting connections and resume on the same
// address, which is how a JobManager restart looks to a client: connection
// refused, then back.
type Endpoint struct {
	// URL is http://127.0.0.1:<port>; it stays the same across
	// RefuseConnections and AcceptConnections.
	URL string

	mu      sync.Mutex
	handler http.Handler
	addr    string
	srv     *httptest.Server
}

// Serve starts serving h on a new loopback port.
func Serve(h http.Handler) *Endpoint {
	srv := httptest.NewServer(h)
	return &Endpoint{URL: srv.URL, handler: h, addr: srv.Listener.Addr().String(), srv: srv}
}

// Start is the usual test setup: a cluster of version served on its own
// port, closed when the test ends.
func Start(tb testing.TB, version string, opts ...Option) (*Cluster, *Endpoint) {
	tb.Helper()
	c, err := NewCluster(version, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	ep := Serve(c)
	tb.Cleanup(ep.Close)
	return c, ep
}

// RefuseConnections closes the listener and every open connection, so
// requests fail with "connection refused" (or a reset if in flight).
func (e *Endpoint) RefuseConnections() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv == nil {
		return
	}
	e.srv.CloseClientConnections()
	e.srv.Close()
	e.srv = nil
}

// AcceptConnections listens again on the original address. It fails if the
// port was taken meanwhile, which is rare on loopback but possible.
func (e *Endpoint) AcceptConnections() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		return nil
	}
	l, err := net.Listen("tcp", e.addr)
	if err != nil {
		return fmt.Errorf("fakejm: listen again on %s: %w", e.addr, err)
	}
	srv := httptest.NewUnstartedServer(e.handler)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	e.srv = srv
	return nil
}

// Close shuts the endpoint down for good.
func (e *Endpoint) Close() { e.RefuseConnections() }
