package flinkrest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// SavepointFormat is Flink's SavepointFormatType (1.15+).
type SavepointFormat string

// SavepointFormat values. CANONICAL is portable across state backends;
// NATIVE is faster but tied to the backend that wrote it.
const (
	SavepointFormatCanonical SavepointFormat = "CANONICAL"
	SavepointFormatNative    SavepointFormat = "NATIVE"
)

// SavepointRequest is the body of POST /jobs/:jobid/savepoints.
type SavepointRequest struct {
	// TargetDirectory is where the savepoint is written; empty means the
	// cluster's configured default (Flink answers 400 if there is none).
	TargetDirectory string
	// CancelJob cancels the job once the savepoint completes.
	CancelJob bool
	// FormatType (1.15+) defaults to CANONICAL on 1.15+ and must be empty
	// on older versions.
	FormatType SavepointFormat
	// TriggerID (1.15+) makes the trigger idempotent: Flink answers a
	// repeated trigger id with the same operation instead of taking a second
	// savepoint. Record it before calling so a crash can resume polling. On
	// 1.15+ an empty TriggerID is filled with a random one so that the
	// client's own retries are still safe; it must be empty on older
	// versions.
	TriggerID string
}

// StopRequest is the body of POST /jobs/:jobid/stop (stop-with-savepoint).
type StopRequest struct {
	// TargetDirectory as in SavepointRequest.
	TargetDirectory string
	// Drain emits MAX_WATERMARK before stopping (terminate semantics);
	// false suspends the job so it can resume from the savepoint.
	Drain bool
	// FormatType as in SavepointRequest.
	FormatType SavepointFormat
	// TriggerID as in SavepointRequest.
	TriggerID string
}

// OperationState is the QueueStatus of an asynchronous operation.
type OperationState string

// OperationState values.
const (
	OperationInProgress OperationState = "IN_PROGRESS"
	OperationCompleted  OperationState = "COMPLETED"
)

// SavepointStatus is GET /jobs/:jobid/savepoints/:triggerid. A COMPLETED
// operation has exactly one of Location and FailureCause.
type SavepointStatus struct {
	State        OperationState
	Location     string
	FailureCause *FailureCause
}

// Completed reports that the operation finished, successfully or not.
func (s *SavepointStatus) Completed() bool { return s.State == OperationCompleted }

// Succeeded reports a completed savepoint with a location to restore from.
func (s *SavepointStatus) Succeeded() bool {
	return s.Completed() && s.FailureCause == nil && s.Location != ""
}

// FailureCause is Flink's SerializedThrowable JSON.
type FailureCause struct {
	Class      string `json:"class"`
	StackTrace string `json:"stack-trace"`
	// SerializedThrowable is base64 of a Java-serialized exception; kept
	// only so nothing is lost, Go cannot decode it usefully.
	SerializedThrowable string `json:"serialized-throwable"`
	// Message is only sent by Flink versions newer than 2.2.
	Message string `json:"message,omitempty"`
}

// Summary is a one-line description for status conditions and events: the
// message if present, else the first line of the stack trace (which Java
// starts with "class: message"), else the class.
func (f *FailureCause) Summary() string {
	if f.Message != "" {
		return f.Message
	}
	if line, _, _ := strings.Cut(f.StackTrace, "\n"); strings.TrimSpace(line) != "" {
		return strings.TrimSpace(line)
	}
	return f.Class
}

// NewTriggerID returns a random trigger id in Flink's format (32 lower-case
// hex characters). Callers that record intent before acting generate the id
// with this, store it, then pass it in the request.
func NewTriggerID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate trigger id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// IsFlinkID reports whether s has the shape of a Flink JobID or TriggerId
// (32 lower-case hex characters).
func IsFlinkID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// savepointBody and stopBody are the wire forms. The 1.15+ fields are
// omitted when empty, and asyncOptions guarantees they are empty on older
// versions, whose strict parsers reject them.
type savepointBody struct {
	TargetDirectory string          `json:"target-directory,omitempty"`
	CancelJob       bool            `json:"cancel-job"`
	FormatType      SavepointFormat `json:"formatType,omitempty"`
	TriggerID       string          `json:"triggerId,omitempty"`
}

type stopBody struct {
	TargetDirectory string          `json:"targetDirectory,omitempty"`
	Drain           bool            `json:"drain"`
	FormatType      SavepointFormat `json:"formatType,omitempty"`
	TriggerID       string          `json:"triggerId,omitempty"`
}

// TriggerSavepoint sends POST /jobs/:jobid/savepoints and returns the
// request id to poll with GetSavepointStatus (equal to the trigger id on
// 1.15+). It is retried only when a trigger id makes that safe.
func (c *Client) TriggerSavepoint(ctx context.Context, jobID string, req SavepointRequest) (string, error) {
	path := jobPath(jobID, "savepoints")
	format, trigger, err := c.asyncOptions(http.MethodPost, path, req.FormatType, req.TriggerID)
	if err != nil {
		return "", err
	}
	body := savepointBody{TargetDirectory: req.TargetDirectory, CancelJob: req.CancelJob, FormatType: format, TriggerID: trigger}
	return c.trigger(ctx, call{method: http.MethodPost, path: path, body: body, retry: trigger != ""})
}

// StopWithSavepoint sends POST /jobs/:jobid/stop and returns the request id,
// polled with GetSavepointStatus. On success the job ends FINISHED. Retry
// rules are those of TriggerSavepoint.
func (c *Client) StopWithSavepoint(ctx context.Context, jobID string, req StopRequest) (string, error) {
	path := jobPath(jobID, "stop")
	format, trigger, err := c.asyncOptions(http.MethodPost, path, req.FormatType, req.TriggerID)
	if err != nil {
		return "", err
	}
	body := stopBody{TargetDirectory: req.TargetDirectory, Drain: req.Drain, FormatType: format, TriggerID: trigger}
	return c.trigger(ctx, call{method: http.MethodPost, path: path, body: body, retry: trigger != ""})
}

// asyncOptions applies the version rules for formatType and triggerId.
func (c *Client) asyncOptions(method, path string, format SavepointFormat, trigger string) (SavepointFormat, string, error) {
	if c.initErr != nil {
		return "", "", fmt.Errorf("flink REST %s %s: %w", method, path, c.initErr)
	}
	if !c.version.SupportsTriggerID() {
		if format != "" {
			return "", "", fmt.Errorf("flink REST %s %s: formatType on %s: %w", method, path, c.version, ErrUnsupported)
		}
		if trigger != "" {
			return "", "", fmt.Errorf("flink REST %s %s: triggerId on %s: %w", method, path, c.version, ErrUnsupported)
		}
		return "", "", nil
	}
	switch format {
	case "":
		format = SavepointFormatCanonical
	case SavepointFormatCanonical, SavepointFormatNative:
	default:
		return "", "", fmt.Errorf("flink REST %s %s: formatType %q: want CANONICAL or NATIVE", method, path, format)
	}
	if trigger == "" {
		var err error
		if trigger, err = NewTriggerID(); err != nil {
			return "", "", fmt.Errorf("flink REST %s %s: %w", method, path, err)
		}
	} else if !IsFlinkID(trigger) {
		return "", "", fmt.Errorf("flink REST %s %s: triggerId %q: want 32 lower-case hex characters", method, path, trigger)
	}
	return format, trigger, nil
}

func (c *Client) trigger(ctx context.Context, cl call) (string, error) {
	var out struct {
		RequestID string `json:"request-id"`
	}
	if err := c.do(ctx, cl, &out); err != nil {
		return "", err
	}
	if out.RequestID == "" {
		return "", fmt.Errorf("flink REST %s %s: response has no request-id", cl.method, cl.path)
	}
	return out.RequestID, nil
}

// GetSavepointStatus polls GET /jobs/:jobid/savepoints/:triggerid, for both
// savepoints and stop-with-savepoint. A failed savepoint is not an error of
// this call: it is returned as a COMPLETED status with FailureCause, so the
// caller can record why. An unknown trigger id is a 404 (IsNotFound). Before
// 1.15 the operation lived only in the JobManager that accepted the trigger,
// so a poll after a failover may also see 404; from 1.15 any JobManager can
// answer for rest.async.store-duration.
func (c *Client) GetSavepointStatus(ctx context.Context, jobID, triggerID string) (*SavepointStatus, error) {
	path := jobPath(jobID, "savepoints", triggerID)
	var out struct {
		Status struct {
			ID OperationState `json:"id"`
		} `json:"status"`
		Operation *struct {
			Location     string        `json:"location"`
			FailureCause *FailureCause `json:"failure-cause"`
		} `json:"operation"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: path, retry: true}, &out); err != nil {
		return nil, err
	}
	st := &SavepointStatus{State: out.Status.ID}
	switch st.State {
	case OperationInProgress:
		return st, nil
	case OperationCompleted:
	default:
		return nil, fmt.Errorf("flink REST GET %s: unknown operation status %q", path, st.State)
	}
	if out.Operation == nil || (out.Operation.Location == "" && out.Operation.FailureCause == nil) {
		return nil, fmt.Errorf("flink REST GET %s: COMPLETED without location or failure-cause", path)
	}
	st.Location = out.Operation.Location
	st.FailureCause = out.Operation.FailureCause
	return st, nil
}
