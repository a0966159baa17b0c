package fakejm

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// Forever as OperationBehavior.PendingPolls keeps an operation IN_PROGRESS
// until the test calls CompleteOperation or FailOperation.
const Forever = -1

// OperationBehavior decides how savepoint and stop operations triggered from
// now on complete. The zero value completes successfully on the first poll.
type OperationBehavior struct {
	// PendingPolls is how many status polls answer IN_PROGRESS before the
	// operation completes; Forever means never by itself.
	PendingPolls int
	// Fail completes the operation with a failure-cause instead of a
	// location; the job keeps running, as in Flink.
	Fail bool
	// FailureMessage is the CheckpointException message of a failure.
	FailureMessage string
}

type opKind int

const (
	opSavepoint opKind = iota
	opStop
)

type opKey struct{ job, id string }

// operation is one asynchronous savepoint or stop-with-savepoint.
type operation struct {
	kind      opKind
	jobID     string
	requestID string
	dir       string
	cancelJob bool   // savepoint with cancel-job
	format    string // formatType as requested, "" when the body had none
	pollsLeft int
	fail      bool
	failMsg   string
	// triggered (epoch ms) and acked: the savepoint's entry in the job's
	// checkpoint statistics while it is in progress.
	triggered int64
	acked     int

	done     bool
	location string
	cause    map[string]any
}

// SetOperationBehavior applies b to operations triggered afterwards;
// operations already running keep theirs.
func (c *Cluster) SetOperationBehavior(b OperationBehavior) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.behavior = b
}

// CompleteOperation completes a running operation successfully now, with the
// same effects on the job as a completion by polling.
func (c *Cluster) CompleteOperation(requestID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	op, err := c.runningOp(requestID)
	if err != nil {
		return err
	}
	op.fail = false
	c.finish(op)
	return nil
}

// AcknowledgeSubtasks sets how many subtasks have acknowledged a running
// operation's savepoint, as GET /jobs/:jobid/checkpoints reports it while
// it is in progress (0 when triggered; capped at the job's parallelism).
func (c *Cluster) AcknowledgeSubtasks(requestID string, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	op, err := c.runningOp(requestID)
	if err != nil {
		return err
	}
	op.acked = max(n, 0)
	return nil
}

// FailOperation completes a running operation with a failure now.
func (c *Cluster) FailOperation(requestID, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	op, err := c.runningOp(requestID)
	if err != nil {
		return err
	}
	op.fail, op.failMsg = true, message
	c.finish(op)
	return nil
}

// Operation is one savepoint or stop-with-savepoint operation as the
// cluster created it, for tests to check what was asked of Flink.
type Operation struct {
	RequestID string
	JobID     string
	// Stop: POST /jobs/:jobid/stop; otherwise POST /jobs/:jobid/savepoints.
	Stop bool
	// TargetDirectory is the directory the savepoint is written to (the
	// requested one, or the cluster's default).
	TargetDirectory string
	// FormatType is the formatType the request carried, as sent; empty when
	// it had none (always before Flink 1.15, which knows no such field;
	// from 1.15 Flink then takes a CANONICAL savepoint).
	FormatType string
	// Done and Location: the operation completed, with this savepoint
	// location when it succeeded.
	Done     bool
	Location string
}

// Operations lists the savepoint and stop operations created so far, oldest
// first; a trigger deduplicated by its triggerId adds none.
func (c *Cluster) Operations() []Operation {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Operation, len(c.opLog))
	for i, op := range c.opLog {
		out[i] = Operation{RequestID: op.requestID, JobID: op.jobID, Stop: op.kind == opStop, TargetDirectory: op.dir,
			FormatType: op.format, Done: op.done, Location: op.location}
	}
	return out
}

// PendingOperations lists the request ids of operations still in progress,
// sorted.
func (c *Cluster) PendingOperations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for _, op := range c.ops {
		if !op.done {
			ids = append(ids, op.requestID)
		}
	}
	sort.Strings(ids)
	return ids
}

func (c *Cluster) runningOp(requestID string) (*operation, error) {
	var found *operation
	for _, op := range c.ops {
		if op.requestID != requestID {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("fakejm: request id %s is used by several jobs", requestID)
		}
		found = op
	}
	switch {
	case found == nil:
		return nil, fmt.Errorf("fakejm: no operation %s", requestID)
	case found.done:
		return nil, fmt.Errorf("fakejm: operation %s already completed", requestID)
	}
	return found, nil
}

// startOperation registers a trigger and returns its request id. With a
// client trigger id (1.15+) a repeated trigger returns the existing
// operation, which is what makes Flink's triggers retry-safe. Callers hold
// mu.
func (c *Cluster) startOperation(op *operation, clientTrigger string) string {
	if clientTrigger != "" {
		if id, ok := c.byClient[opKey{op.jobID, clientTrigger}]; ok {
			return id
		}
		op.requestID = clientTrigger
		c.byClient[opKey{op.jobID, clientTrigger}] = clientTrigger
	} else {
		op.requestID = c.hexID(32)
	}
	if op.kind == opStop {
		c.counters.StopTriggers++
	} else {
		c.counters.SavepointTriggers++
	}
	op.pollsLeft = c.behavior.PendingPolls
	op.triggered = c.nowMillis()
	op.fail, op.failMsg = c.behavior.Fail, c.behavior.FailureMessage
	c.ops[opKey{op.jobID, op.requestID}] = op
	c.opLog = append(c.opLog, op)
	// Flink accepts the trigger and reports an unknown or finished job
	// through the operation result (seen on real 1.20, 2.2 and 2.3).
	if j, ok := c.jobs[op.jobID]; !ok || j.state != flinkrest.JobRunning {
		c.finish(op)
	}
	return op.requestID
}

// poll answers one status request, advancing the operation. Callers hold mu.
func (c *Cluster) poll(op *operation) map[string]any {
	if !op.done {
		switch {
		case op.pollsLeft > 0:
			op.pollsLeft--
		case op.pollsLeft == 0:
			c.finish(op)
		}
	}
	if !op.done {
		return map[string]any{"status": map[string]any{"id": "IN_PROGRESS"}, "operation": nil}
	}
	result := map[string]any{"location": op.location}
	if op.cause != nil {
		result = map[string]any{"failure-cause": op.cause}
	}
	return map[string]any{"status": map[string]any{"id": "COMPLETED"}, "operation": result}
}

// finish completes op and applies its effect on the job. Callers hold mu.
func (c *Cluster) finish(op *operation) {
	op.done = true
	j, ok := c.jobs[op.jobID]
	switch {
	case !ok || j.state.IsGloballyTerminal():
		// The dispatcher only knows jobs that still run: a finished job
		// is as unknown as one that never was (seen on real Flink).
		op.cause = failureCause("org.apache.flink.runtime.messages.FlinkJobNotFoundException",
			fmt.Sprintf("Could not find Flink job (%s)", op.jobID))
	case j.state != flinkrest.JobRunning:
		op.cause = failureCause("org.apache.flink.runtime.checkpoint.CheckpointException",
			fmt.Sprintf("Job %s is not running (state %s).", op.jobID, j.state))
	case op.fail:
		msg := op.failMsg
		if msg == "" {
			msg = "Checkpoint was declined."
		}
		op.cause = failureCause("org.apache.flink.runtime.checkpoint.CheckpointException", msg)
	}
	if op.cause != nil {
		c.counters.SavepointsFailed++
		return
	}
	c.counters.SavepointsCompleted++
	op.location = fmt.Sprintf("%s/savepoint-%s-%s", strings.TrimSuffix(flinkPath(op.dir), "/"), op.jobID[:6], c.hexID(12))
	cpType := "SAVEPOINT"
	if op.kind == opStop && c.version.AtLeast(1, 15) {
		cpType = "SYNC_SAVEPOINT"
	}
	format := op.format
	if format == "" {
		format = "CANONICAL" // Flink's default formatType
	}
	now := c.nowMillis()
	j.cps.add(cpEntry{status: CheckpointCompleted, isSavepoint: true, cpType: cpType, trigger: now, ack: now, size: 1024,
		path: op.location, format: format})
	switch {
	case op.kind == opStop:
		c.setState(j, flinkrest.JobFinished)
	case op.cancelJob:
		c.setState(j, flinkrest.JobCanceled)
	}
}

// failureCause renders a SerializedThrowable the way Flink wraps savepoint
// failures. serialized-throwable cannot be real Java serialization here; it
// is base64 of the message so that it at least decodes.
func failureCause(class, msg string) map[string]any {
	return map[string]any{
		"class":                "java.util.concurrent.CompletionException",
		"stack-trace":          stackTrace("java.util.concurrent.CompletionException", class+": "+msg),
		"serialized-throwable": base64.StdEncoding.EncodeToString([]byte(class + ": " + msg)),
	}
}

// flinkPath writes a directory URI as Flink's Path prints it: a local file
// URI with an empty authority loses it, so a savepoint asked for in
// file:///data is reported at file:/data/savepoint-... (seen with real
// Flink 1.20, 2.2 and 2.3 on the dev cluster).
func flinkPath(dir string) string {
	if rest, ok := strings.CutPrefix(dir, "file:///"); ok {
		return "file:/" + rest
	}
	return dir
}

// stackTrace is a Java stack trace as Flink prints exceptions into REST
// answers: "class: message", then frames. The fake gives one frame.
func stackTrace(class, msg string) string {
	return fmt.Sprintf("%s: %s\n\tat org.apache.flink.fakejm(fakejm.java:1)\n", class, msg)
}
