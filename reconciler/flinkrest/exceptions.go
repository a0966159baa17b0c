package flinkrest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// JobExceptions is GET /jobs/:jobid/exceptions. Flink 1.x sends the
// deprecated top-level fields next to exceptionHistory; 2.0 sends only
// exceptionHistory, so the legacy fields stay zero there.
type JobExceptions struct {
	// RootException is the stack trace of the current root cause (1.x
	// only, null when there is none).
	RootException string `json:"root-exception"`
	// Timestamp of RootException in epoch ms (1.x only).
	Timestamp int64 `json:"timestamp"`
	// AllExceptions are the task failures of the current attempt (1.x only).
	AllExceptions []TaskException `json:"all-exceptions"`
	// Truncated refers to AllExceptions (1.x only).
	Truncated bool `json:"truncated"`
	// History is present on every supported version.
	History ExceptionHistory `json:"exceptionHistory"`
}

// TaskException is one entry of the legacy all-exceptions list.
type TaskException struct {
	Exception string `json:"exception"`
	Task      string `json:"task"`
	// Endpoint is "endpoint" (1.19+) or, on older versions, "location".
	Endpoint       string `json:"endpoint"`
	LegacyLocation string `json:"location"`
	Timestamp      int64  `json:"timestamp"`
	TaskManagerID  string `json:"taskManagerId"`
}

// ExceptionHistory lists root causes, newest first.
type ExceptionHistory struct {
	Entries   []RootException `json:"entries"`
	Truncated bool            `json:"truncated"`
}

// ExceptionInfo is one failure in the exception history.
type ExceptionInfo struct {
	ExceptionName string `json:"exceptionName"`
	Stacktrace    string `json:"stacktrace"`
	Timestamp     int64  `json:"timestamp"`
	TaskName      string `json:"taskName"`
	// Endpoint is where the failing task ran. GetExceptions fills it from
	// the pre-1.19 "location" field when "endpoint" is absent, so callers
	// need not care which version answered.
	Endpoint       string `json:"endpoint"`
	LegacyLocation string `json:"location"`
	TaskManagerID  string `json:"taskManagerId"`
	// FailureLabels exist from 1.18 on.
	FailureLabels map[string]string `json:"failureLabels"`
}

// RootException is one exception history entry: a root cause plus the
// failures that happened concurrently with it.
type RootException struct {
	ExceptionInfo
	ConcurrentExceptions []ExceptionInfo `json:"concurrentExceptions"`
}

// Latest returns the newest root cause, or nil when the job never failed.
func (e *JobExceptions) Latest() *RootException {
	if len(e.History.Entries) == 0 {
		return nil
	}
	return &e.History.Entries[0]
}

// GetExceptions fetches GET /jobs/:jobid/exceptions. maxExceptions > 0
// limits the number of history entries Flink returns.
func (c *Client) GetExceptions(ctx context.Context, jobID string, maxExceptions int) (*JobExceptions, error) {
	var q url.Values
	if maxExceptions > 0 {
		q = url.Values{"maxExceptions": {strconv.Itoa(maxExceptions)}}
	}
	var out JobExceptions
	if err := c.do(ctx, call{method: http.MethodGet, path: jobPath(jobID, "exceptions"), query: q, retry: true}, &out); err != nil {
		return nil, err
	}
	for i := range out.AllExceptions {
		te := &out.AllExceptions[i]
		te.Endpoint = orLegacy(te.Endpoint, te.LegacyLocation)
	}
	for i := range out.History.Entries {
		re := &out.History.Entries[i]
		re.Endpoint = orLegacy(re.Endpoint, re.LegacyLocation)
		for j := range re.ConcurrentExceptions {
			ce := &re.ConcurrentExceptions[j]
			ce.Endpoint = orLegacy(ce.Endpoint, ce.LegacyLocation)
		}
	}
	return &out, nil
}

func orLegacy(current, legacy string) string {
	if current != "" {
		return current
	}
	return legacy
}
