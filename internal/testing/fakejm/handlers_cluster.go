package fakejm

import (
	"net/http"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// handleConfig answers GET /config. The features map grows by version:
// web-submit (1.13), web-cancel (1.14), web-rescale and web-history (in the
// 1.19 and 2.2 schemas; the exact version they appeared is unverified).
func (c *Cluster) handleConfig(*request) response {
	features := map[string]bool{"web-submit": false}
	if c.version.AtLeast(1, 14) {
		features["web-cancel"] = false
	}
	if c.version.AtLeast(1, 19) {
		features["web-rescale"] = false
		features["web-history"] = false
	}
	return reply(http.StatusOK, map[string]any{
		"refresh-interval": 3000,
		"timezone-name":    "Coordinated Universal Time",
		"timezone-offset":  0,
		"flink-version":    c.flinkVersion,
		"flink-revision":   "fakejm @ 1970-01-01T00:00:00+00:00",
		"features":         features,
	})
}

// handleOverview answers GET /overview. The blocklist counts (1.16+,
// slots-free-and-blocked and taskmanagers-blocked) are left out while they
// are zero, as real Flink 1.20, 2.2 and 2.3 do; the fake never blocks a
// TaskManager, so it never sends them.
func (c *Cluster) handleOverview(*request) response {
	var running, finished, cancelled, failed int
	for _, j := range c.jobs {
		switch j.state {
		case flinkrest.JobFinished:
			finished++
		case flinkrest.JobCanceled:
			cancelled++
		case flinkrest.JobFailed:
			failed++
		default:
			running++
		}
	}
	const slots = 4
	used := 0
	for _, j := range c.jobs {
		if !j.state.IsGloballyTerminal() {
			used += j.parallelism
		}
	}
	out := map[string]any{
		"taskmanagers":    1,
		"slots-total":     slots,
		"slots-available": max(slots-used, 0),
		"jobs-running":    running,
		"jobs-finished":   finished,
		"jobs-cancelled":  cancelled,
		"jobs-failed":     failed,
		"flink-version":   c.flinkVersion,
		"flink-commit":    "fakejm",
	}
	return reply(http.StatusOK, out)
}
