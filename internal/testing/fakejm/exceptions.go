package fakejm

import (
	"fmt"
	"strconv"
)

// failure is one root cause recorded for a job.
type failure struct {
	class, stacktrace string
	ts                int64
	task, endpoint    string
	tmID              string
}

// Simulated placement of the failing task.
const (
	fakeEndpoint = "10.0.0.7:6122"
	fakeTMID     = "flink-taskmanager-1-1"
)

func (c *Cluster) newFailure(j *job, class, message string) failure {
	return failure{
		class:      class,
		stacktrace: fmt.Sprintf("%s: %s\n\tat org.example.Fake.run(Fake.java:1)\n", class, message),
		ts:         c.nowMillis(),
		task:       fmt.Sprintf("Source: %s (1/%d)", j.name, j.parallelism),
		endpoint:   fakeEndpoint,
		tmID:       fakeTMID,
	}
}

// exceptionsJSON renders GET /jobs/:jobid/exceptions: the 1.x shape with the
// deprecated top-level fields plus exceptionHistory, or the 2.0+ shape with
// exceptionHistory only. Callers hold mu.
func (c *Cluster) exceptionsJSON(j *job, query map[string][]string) (map[string]any, error) {
	limit := 20 // Flink's default for maxExceptions
	if v := query["maxExceptions"]; len(v) > 0 {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("maxExceptions %q", v[0])
		}
		limit = n
	}
	entries := make([]any, 0, len(j.exc))
	for i, f := range j.exc {
		if i >= limit {
			break
		}
		e := c.exceptionInfo(f)
		e["concurrentExceptions"] = []any{}
		entries = append(entries, e)
	}
	out := map[string]any{
		"exceptionHistory": map[string]any{"entries": entries, "truncated": len(j.exc) > limit},
	}
	if !c.version.HasLegacyExceptionFields() {
		return out, nil
	}
	out["root-exception"] = nil
	out["timestamp"] = nil
	out["all-exceptions"] = []any{}
	out["truncated"] = false
	if len(j.exc) > 0 {
		f := j.exc[0]
		out["root-exception"] = f.stacktrace
		out["timestamp"] = f.ts
		te := map[string]any{
			"exception": f.stacktrace, "task": f.task, "location": f.endpoint,
			"timestamp": f.ts, "taskManagerId": f.tmID,
		}
		if c.version.AtLeast(1, 19) {
			te["endpoint"] = f.endpoint
		}
		out["all-exceptions"] = []any{te}
	}
	return out, nil
}

// exceptionInfo renders one history entry. "location" exists up to 1.20
// (deprecated in 1.19), "endpoint" from 1.19, failureLabels from 1.18.
func (c *Cluster) exceptionInfo(f failure) map[string]any {
	e := map[string]any{
		"exceptionName": f.class,
		"stacktrace":    f.stacktrace,
		"timestamp":     f.ts,
		"taskName":      f.task,
		"taskManagerId": f.tmID,
	}
	if c.version.HasLegacyExceptionFields() {
		e["location"] = f.endpoint
	}
	if c.version.AtLeast(1, 19) {
		e["endpoint"] = f.endpoint
	}
	if c.version.AtLeast(1, 18) {
		e["failureLabels"] = map[string]string{}
	}
	return e
}
