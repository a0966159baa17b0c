package gate

import (
	"fmt"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Decision is the gate's answer: at most one action, carried by the
// payload of that action (none means wait), the status to record around
// it, and the events to report. Each payload holds only what its action
// needs, so no field means one thing for one action and another for the
// next.
type Decision struct {
	// Status is the status to record before the action is taken.
	Status v1beta1.FlinkDeploymentStatus
	// After, when set, replaces Status once the action has succeeded.
	After *v1beta1.FlinkDeploymentStatus

	// The action: at most one of these is set (see Validate).
	Apply     *ApplyStep
	TakeDown  *TakeDownStep
	Savepoint *SavepointStep

	RequeueAfter time.Duration
	// Hold explains why the lifecycle is not progressing; it becomes
	// status.error.
	Hold   string
	Events []Event
	// StateRule is the row of the state table (strategy.go) that decided
	// how a running job's state is kept, when this decision consulted it;
	// empty otherwise. flink-render plan reports it.
	StateRule string
}

// ApplyStep renders Target with Context, applies the objects and prunes
// what the render no longer contains.
type ApplyStep struct {
	Target  *v1beta1.FlinkDeploymentSpec
	Context renderer.RenderContext
	// StripHAJobGraphs removes job graphs from the HA ConfigMaps before an
	// application deploy with Kubernetes HA, so the new JobManager runs
	// the job it is given (with the checkpoints of its job id) instead of
	// recovering an old job graph next to it.
	StripHAJobGraphs bool
	// DeleteHA deletes Flink's HA data before a stateless deploy. Either
	// HA step is taken only while no JobManager of the cluster exists, so
	// it never touches a live JobManager's data.
	DeleteHA bool
	// GuardPodTemplates: a Deployment whose pod template the apply would
	// change is not applied (putting it back would restart a stateful job
	// outside the gate) but reported back as Input.PodTemplateDrift.
	GuardPodTemplates bool
	// PersistFirst writes Status before applying even though the apply
	// itself records nothing: it records the end of a manual or periodic
	// savepoint, which must not wait for a later write.
	PersistFirst bool
}

// TakeDownStep deletes the cluster's Deployments and waits for their pods
// to go.
type TakeDownStep struct {
	// DeleteHA deletes Flink's HA ConfigMaps too: a stateless take-down
	// must not leave HA data the new JobManager would recover the old job
	// from.
	DeleteHA bool
}

// SavepointStep asks the running job for a savepoint: with Stop, the
// stop-with-savepoint of an upgrade or suspend; without, a manual or
// periodic savepoint that leaves the job running (snapshots.go).
type SavepointStep struct {
	Stop             bool
	JobID, TriggerID string
	// Dir is the target directory; empty leaves it to Flink's
	// configuration.
	Dir string
	// FormatType is kubernetes.operator.savepoint.format.type of the
	// deployed spec (see savepointFormat); empty for Flink versions that
	// do not know it (< 1.15).
	FormatType flinkrest.SavepointFormat
}

// Action names the side effect of a decision; it follows from which
// payload is set.
type Action int

// Actions.
const (
	// ActionWait does nothing until RequeueAfter.
	ActionWait Action = iota
	// ActionApply: Decision.Apply.
	ActionApply
	// ActionTakeDown: Decision.TakeDown.
	ActionTakeDown
	// ActionStopWithSavepoint: Decision.Savepoint with Stop.
	ActionStopWithSavepoint
	// ActionTriggerSavepoint: Decision.Savepoint without Stop.
	ActionTriggerSavepoint
)

func (a Action) String() string {
	switch a {
	case ActionWait:
		return "wait"
	case ActionApply:
		return "apply"
	case ActionTakeDown:
		return "take-down"
	case ActionStopWithSavepoint:
		return "stop-with-savepoint"
	case ActionTriggerSavepoint:
		return "trigger-savepoint"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Action is the decision's side effect.
func (d Decision) Action() Action {
	switch {
	case d.Apply != nil:
		return ActionApply
	case d.TakeDown != nil:
		return ActionTakeDown
	case d.Savepoint != nil && d.Savepoint.Stop:
		return ActionStopWithSavepoint
	case d.Savepoint != nil:
		return ActionTriggerSavepoint
	}
	return ActionWait
}

// Validate reports a decision that carries more than one action, or an
// apply without a target.
func (d Decision) Validate() error {
	n := 0
	for _, set := range []bool{d.Apply != nil, d.TakeDown != nil, d.Savepoint != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("gate decision carries %d actions, at most one is allowed", n)
	}
	if d.Apply != nil && d.Apply.Target == nil {
		return fmt.Errorf("gate decision applies no target spec")
	}
	return nil
}

// Event is a Kubernetes event the decision reports.
type Event struct {
	Warning bool
	Reason  string
	Message string
}

// The decision under construction: each action replaces the one before,
// so a phase that moves on to the next one leaves only that one's payload.

func (g *gate) apply(step ApplyStep) {
	g.d.Apply, g.d.TakeDown, g.d.Savepoint = &step, nil, nil
}

func (g *gate) takeDown(step TakeDownStep) {
	g.d.Apply, g.d.TakeDown, g.d.Savepoint = nil, &step, nil
}

func (g *gate) savepoint(step SavepointStep) {
	g.d.Apply, g.d.TakeDown, g.d.Savepoint = nil, nil, &step
}

func (g *gate) wait() {
	g.d.Apply, g.d.TakeDown, g.d.Savepoint = nil, nil, nil
}
