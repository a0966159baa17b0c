package flinkrest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
)

// APIError is a non-2xx answer from the JobManager. Flink reports failures as
// {"errors": ["..."]}; keeping the status and messages typed lets callers
// branch on them (IsNotFound, IsConflict, ...) instead of matching strings.
type APIError struct {
	// Method and Path say what was attempted, e.g. POST /jobs/<id>/stop.
	// Path is relative to the client's base URL and has no query string.
	Method string
	Path   string
	// StatusCode is the HTTP status the JobManager answered with.
	StatusCode int
	// Errors are the messages from the body. A body that is not Flink's
	// error JSON (e.g. an HTML page from a proxy) is kept as one trimmed
	// message so that nothing the server said is lost.
	Errors []string
}

// Error renders "flink REST <method> <path>: <status>: <messages>", with
// the first line of each message: real Flink sends a whole Java stack
// trace as the message, which would flood the status and the logs. Errors
// keeps it in full.
func (e *APIError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, m := range e.Errors {
		lines[i], _, _ = strings.Cut(m, "\n")
	}
	msg := strings.Join(lines, "; ")
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("flink REST %s %s: %d: %s", e.Method, e.Path, e.StatusCode, msg)
}

// ErrUnsupported is wrapped when a request asks for something the client's
// Flink version cannot express (e.g. a triggerId on 1.14). Dropping the field
// silently would give the caller a guarantee it does not have.
var ErrUnsupported = errors.New("not supported by this Flink version")

// checkpointingDisabledMsgs are what Flink answers (with 404) for a job
// that has no checkpoint coordinator (a batch job): the first for checkpoint
// statistics, the second, followed by " (<jobid>).", for the checkpoint
// configuration (real 1.20.5, 2.2.1 and 2.3.0). A streaming job without
// periodic checkpoints has a coordinator and gets neither.
var checkpointingDisabledMsgs = []string{"Checkpointing has not been enabled.", "Checkpointing is not enabled for this job"}

// IsNotFound reports a 404: unknown job, unknown trigger id, or (for
// checkpoint statistics) checkpointing disabled; see IsCheckpointingDisabled.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports a 409, which 1.15+ answers when cancelling a job that is
// already globally terminal; callers usually treat it as "already done".
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsBadRequest reports a 400: Flink rejected the request body or parameters,
// so retrying the same request cannot succeed.
func IsBadRequest(err error) bool { return hasStatus(err, http.StatusBadRequest) }

// IsUnavailable reports that the JobManager cannot serve requests right now:
// a 503 (not ready, leader election) or a refused connection (not started,
// restarting). The reconciler requeues on these instead of failing.
func IsUnavailable(err error) bool {
	return hasStatus(err, http.StatusServiceUnavailable) || errors.Is(err, syscall.ECONNREFUSED)
}

// IsCheckpointingDisabled reports the 404 Flink gives for checkpoint
// statistics or configuration of a job without checkpointing, which must
// not be mistaken for a missing job. Only a job without a checkpoint
// coordinator gets it; see CheckpointConfig.CheckpointingEnabled for a
// streaming job without periodic checkpoints.
func IsCheckpointingDisabled(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		return false
	}
	for _, m := range apiErr.Errors {
		for _, disabled := range checkpointingDisabledMsgs {
			if strings.Contains(m, disabled) {
				return true
			}
		}
	}
	return false
}

func hasStatus(err error, code int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == code
}
