package fakejm

import (
	"time"
)

// Fault makes matching requests misbehave. Faults are checked in the order
// they were injected; the first live match applies.
type Fault struct {
	// Route selects requests by route template, e.g. "GET /jobs/:jobid" or
	// "POST /jobs/:jobid/savepoints" (see Routes); empty matches all.
	Route string
	// Latency delays the answer. The delay ends early when the client goes
	// away, so a client timeout test finishes as soon as the client gives
	// up.
	Latency time.Duration
	// Status, when non-zero, answers with this status and
	// {"errors": Errors} instead of handling the request.
	Status int
	// Errors is the body's message list for Status (default: a message
	// naming the injected fault).
	Errors []string
	// DropConnection closes the TCP connection without any answer, as a
	// JobManager that crashes mid-request.
	DropConnection bool
	// DropResponse handles the request (its effects happen) but closes the
	// connection instead of answering: a response lost on the way back,
	// the case client-supplied trigger ids exist for.
	DropResponse bool
	// Times limits the fault to that many matching requests; 0 means
	// every matching request until ClearFaults.
	Times int
}

type activeFault struct {
	Fault
	used int
}

// InjectFault adds f.
func (c *Cluster) InjectFault(f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = append(c.faults, &activeFault{Fault: f})
}

// ClearFaults removes all faults and ends a not-ready period.
func (c *Cluster) ClearFaults() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = nil
	c.notReady = 0
}

// NotReadyFor answers the next n requests with the "not ready" error a
// starting JobManager gives (503 from 1.16, 500 before); Forever keeps
// answering so until ClearFaults.
func (c *Cluster) NotReadyFor(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notReady = n
}

// takeFault returns the fault for route and uses it up. Callers hold mu.
func (c *Cluster) takeFault(route string) *Fault {
	for _, f := range c.faults {
		if f.Route != "" && f.Route != route {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		cp := f.Fault
		return &cp
	}
	return nil
}

// takeNotReady reports whether this request is answered "not ready".
// Callers hold mu.
func (c *Cluster) takeNotReady() bool {
	switch {
	case c.notReady == 0:
		return false
	case c.notReady > 0:
		c.notReady--
	}
	return true
}
