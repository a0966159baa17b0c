package fakejm

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// request is a parsed incoming request.
type request struct {
	method string
	path   string
	query  url.Values
	body   []byte
	params map[string]string
	// contentType is the request's Content-Type header, which the jar
	// upload's multipart parsing needs.
	contentType string
	// host is the Host the request was sent to, which GET /jars answers
	// as the REST address.
	host string
}

type route struct {
	method  string
	pattern string // e.g. /jobs/:jobid/savepoints/:triggerid
	handle  func(*Cluster, *request) response
}

func (rt *route) name() string { return rt.method + " " + rt.pattern }

// routes is the served API. Literal segments win over parameters because
// the table is searched in order (/jobs/overview before /jobs/:jobid).
var routes = []route{
	{http.MethodGet, "/config", (*Cluster).handleConfig},
	{http.MethodGet, "/overview", (*Cluster).handleOverview},
	{http.MethodGet, "/jobs", (*Cluster).handleJobs},
	{http.MethodGet, "/jobs/overview", (*Cluster).handleJobsOverview},
	{http.MethodGet, "/jobs/:jobid", (*Cluster).handleJob},
	{http.MethodPatch, "/jobs/:jobid", (*Cluster).handleCancel},
	{http.MethodPost, "/jobs/:jobid/savepoints", (*Cluster).handleSavepoint},
	{http.MethodGet, "/jobs/:jobid/savepoints/:triggerid", (*Cluster).handleSavepointStatus},
	{http.MethodPost, "/jobs/:jobid/stop", (*Cluster).handleStop},
	{http.MethodGet, "/jobs/:jobid/checkpoints", (*Cluster).handleCheckpoints},
	{http.MethodGet, "/jobs/:jobid/checkpoints/config", (*Cluster).handleCheckpointConfig},
	{http.MethodGet, "/jobs/:jobid/exceptions", (*Cluster).handleExceptions},
	{http.MethodGet, "/jars", (*Cluster).handleJarList},
	{http.MethodPost, "/jars/upload", (*Cluster).handleJarUpload},
	{http.MethodDelete, "/jars/:jarid", (*Cluster).handleJarDelete},
	{http.MethodPost, "/jars/:jarid/run", (*Cluster).handleJarRun},
}

// Routes lists the route templates the fake serves, as used by Fault.Route
// and Counters.Requests.
func Routes() []string {
	out := make([]string, len(routes))
	for i := range routes {
		out[i] = routes[i].name()
	}
	return out
}

// match finds the route for method and path. methodMismatch reports that
// the path exists with another method.
func match(method, path string) (rt *route, params map[string]string, methodMismatch bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range routes {
		p, ok := matchPattern(routes[i].pattern, segs)
		if !ok {
			continue
		}
		if routes[i].method != method {
			methodMismatch = true
			continue
		}
		return &routes[i], p, false
	}
	return nil, nil, methodMismatch
}

func matchPattern(pattern string, segs []string) (map[string]string, bool) {
	pat := strings.Split(strings.Trim(pattern, "/"), "/")
	if len(pat) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pat {
		switch {
		case strings.HasPrefix(p, ":"):
			if segs[i] == "" {
				return nil, false
			}
			params[p[1:]] = segs[i]
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}

// maxBody is how much of a request body the fake reads: Flink's default
// rest.server.max-content-length (100 MiB), which bounds jar uploads.
const maxBody = 100 << 20

// notReadyMsg is what Flink answers while leader election is ongoing.
const notReadyMsg = "Service temporarily unavailable due to an ongoing leader election. Please refresh."

// ServeHTTP implements http.Handler: it records and counts the request,
// applies not-ready and injected faults, then answers like Flink would.
func (c *Cluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	// Every path may carry the /v1 API version prefix.
	if path == "/v1" || strings.HasPrefix(path, "/v1/") {
		path = strings.TrimPrefix(path, "/v1")
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	rt, params, methodMismatch := match(r.Method, path)
	routeName := "unmatched"
	if rt != nil {
		routeName = rt.name()
	}

	c.mu.Lock()
	c.counters.Requests[routeName]++
	c.requests = append(c.requests, Request{Method: r.Method, Path: path, Route: routeName, Query: r.URL.Query(), Body: body})
	notReady := c.takeNotReady()
	var fault *Fault
	if !notReady {
		fault = c.takeFault(routeName)
	}
	c.mu.Unlock()

	switch {
	case notReady:
		writeJSON(w, errorResponse(c.version.NotReadyStatus(), notReadyMsg))
		return
	case fault != nil:
		if fault.Latency > 0 && !wait(r, fault.Latency) {
			return // client gone
		}
		if fault.DropConnection {
			dropConnection(w)
			return
		}
		if fault.Status != 0 {
			msgs := fault.Errors
			if len(msgs) == 0 {
				msgs = []string{"fakejm: injected fault on " + routeName}
			}
			writeJSON(w, errorResponse(fault.Status, msgs...))
			return
		}
	}
	switch {
	case rt == nil && methodMismatch:
		// Unverified: the status Flink's router uses for a known path
		// with a wrong method.
		writeJSON(w, errorResponse(http.StatusMethodNotAllowed, "Not found: "+path))
		return
	case rt == nil:
		writeJSON(w, errorResponse(http.StatusNotFound, "Not found: "+path))
		return
	}
	req := &request{method: r.Method, path: path, query: r.URL.Query(), body: body, params: params, contentType: r.Header.Get("Content-Type"), host: r.Host}
	c.mu.Lock()
	resp := rt.handle(c, req)
	c.mu.Unlock()
	if fault != nil && fault.DropResponse {
		dropConnection(w)
		return
	}
	writeJSON(w, resp)
}

// wait sleeps d unless the client goes away first; it reports whether the
// full delay passed.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// dropConnection closes the connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (e.g. httptest.ResponseRecorder or HTTP/2):
		// the closest approximation is aborting the handler.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
