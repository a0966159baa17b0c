package reconciler

import (
	"context"
	"time"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Gate decides whether the rendered change may be applied now, and with
// which RenderContext (restore path, job id, desired state). It is the one
// place that may hold back an apply: a stateful job must not restart before
// its state is safe. It may trigger and await savepoints, recording its
// progress in status before acting.
type Gate interface {
	Decide(ctx context.Context, fd *v1beta1.FlinkDeployment, obs Observation) (GateDecision, error)
}

// GateDecision is the gate's answer.
type GateDecision struct {
	// Apply is false while the gate waits (for example for a savepoint).
	Apply bool
	// Context is rendered with when Apply is true.
	Context renderer.RenderContext
	// RequeueAfter asks for the next pass sooner than usual, such as while a
	// savepoint is pending.
	RequeueAfter time.Duration
	// Reason explains a hold, for status and events.
	Reason string
}

// ApplyAlways is the gate used until upgrades are gated: every change is
// applied at once, a fresh deploy from spec.job.initialSavepointPath.
type ApplyAlways struct{}

// Decide always allows the apply.
func (ApplyAlways) Decide(context.Context, *v1beta1.FlinkDeployment, Observation) (GateDecision, error) {
	return GateDecision{Apply: true}, nil
}
