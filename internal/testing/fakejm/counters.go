package fakejm

import (
	"maps"
	"net/url"
	"slices"
)

// Counters count what clients made the cluster do, so tests can assert, for
// example, that a retried trigger produced exactly one savepoint.
type Counters struct {
	// SavepointTriggers and StopTriggers count operations created; a
	// trigger deduplicated by its triggerId does not count again.
	SavepointTriggers int
	StopTriggers      int
	// SavepointsCompleted and SavepointsFailed count finished operations
	// of both kinds.
	SavepointsCompleted int
	SavepointsFailed    int
	// Cancels counts accepted cancellations of running jobs.
	Cancels int
	// JarUploads, JarRuns and JarDeletes count accepted jar uploads, runs
	// that started a job, and deletions of a held jar.
	JarUploads int
	JarRuns    int
	JarDeletes int
	// Requests counts every request per route template (including those
	// answered by a fault); unmatched paths count under "unmatched".
	Requests map[string]int
}

// Request is one request as the cluster received it.
type Request struct {
	Method string
	// Path is the request path after any Server prefix and /v1 were
	// stripped.
	Path  string
	Route string
	Query url.Values
	Body  []byte
}

// Counters returns a snapshot of the counters.
func (c *Cluster) Counters() Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counters
	out.Requests = maps.Clone(c.counters.Requests)
	return out
}

// Requests returns the requests received so far, oldest first.
func (c *Cluster) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.requests)
}

// RequestsTo returns the received requests whose route is route.
func (c *Cluster) RequestsTo(route string) []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Request
	for _, r := range c.requests {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// IgnoredFields lists the request-body fields the cluster ignored, as
// "METHOD path: \"field\"", oldest first. Flink 1.20+ ignores a field it does
// not know instead of refusing the request, so a client that misspells one
// is only caught here: tests of the REST client and the reconciler assert
// this is empty.
func (c *Cluster) IgnoredFields() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ignored)
}
