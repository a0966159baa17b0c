package gate

import (
	"fmt"
	"strings"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The upgrade gate decides, from the spec, the status and what was
// observed, the one next step of a FlinkDeployment's lifecycle. It is a pure
// function: it performs no I/O, so every rule is checked as a table in
// the tests of this package, without an API server; the reconciler
// (reconciler/execute.go) carries the step out.
//
// Its one promise: nothing that restarts a stateful job is applied until
// the job's state is safe, which means a savepoint has COMPLETED and its
// location is recorded in status, or (last-state) Flink's HA metadata is
// confirmed. Every step is recorded in status.upgrade before it is taken
// (a write-ahead log), so a restarted operator resumes where the last one
// stopped.

// LastStateRestorePath is the restore path of a last-state deploy when the
// HA metadata holds a checkpoint. Flink restores from HA and ignores it; if
// the HA data has vanished meanwhile, Flink cannot find this path and the
// job fails rather than silently starting empty (as in the reference
// operator).
const LastStateRestorePath = "KUBERNETES_OPERATOR_LAST_STATE"

// Decide returns the next step for a FlinkDeployment.
func Decide(in Input) Decision {
	in.Policy = in.Policy.WithDefaults()
	g := &gate{in: in, d: Decision{Status: *in.Status.DeepCopy()}}
	if g.st().Upgrade != nil && g.st().SavepointTrigger != nil && !UpgradeAbandoned(g.st(), in.Policy.MaxSavepointAttempts) {
		// Not started by this operator (settleTriggerBeforeUpgrade ends
		// requests first); never left behind either.
		g.dropTrigger("an upgrade of the job is in progress")
	}
	// One phase function at a time. A phase that finishes within this
	// decision (a savepoint that completed, a cluster that is gone
	// already) names the next one instead of calling it, so each phase
	// is read, and tested, on its own.
	entered := map[phase]int{}
	for ph := g.phase(); ph != phaseDone; ph = g.enter(ph) {
		// Phases move forward within a decision; a new generation may
		// re-plan an upgrade once (savepointing again, for the new
		// target). More is a cycle, a bug in the gate: acting on what it
		// built could restart a job, so nothing is done and the status
		// is left as it was.
		if entered[ph]++; entered[ph] > maxPlansPerDecision {
			return phaseCycle(in, ph)
		}
	}
	if !g.sessionJobsHeld {
		g.clearSessionUpgrade()
	}
	if g.d.Apply != nil {
		g.d.Apply.PersistFirst = g.persist
	}
	return g.d
}

// maxPlansPerDecision is how often one decision may enter a phase: once
// for the upgrade in progress and once for a new generation's re-plan.
const maxPlansPerDecision = 2

// phaseCycle is the decision when a phase is entered more often: no action, the
// status unchanged, and status.error saying what happened.
func phaseCycle(in Input, ph phase) Decision {
	return Decision{
		Status:       *in.Status.DeepCopy(),
		Hold:         fmt.Sprintf("the upgrade gate entered phase %d more than %d times in one decision; nothing was done. This is a bug of the operator: please report it with this FlinkDeployment's status", ph, maxPlansPerDecision),
		RequeueAfter: in.Policy.WaitInterval,
	}
}

// phase is a step of the lifecycle a decision is taken in.
type phase int

const (
	// phaseDone: the decision is complete.
	phaseDone phase = iota
	// phaseFirstDeploy: nothing was deployed yet.
	phaseFirstDeploy
	// phaseReconciled: a spec is deployed and no upgrade is in progress;
	// the desired spec is compared with it.
	phaseReconciled
	// phaseSavepointing, phaseTakingDown, phaseDeploying: the upgrade
	// phases recorded in status.upgrade.
	phaseSavepointing
	phaseTakingDown
	phaseDeploying
)

// phase is where the status under construction stands.
func (g *gate) phase() phase {
	if up := g.st().Upgrade; up != nil {
		switch up.Phase {
		case v1beta1.PhaseSavepointing:
			return phaseSavepointing
		case v1beta1.PhaseTakingDown:
			return phaseTakingDown
		}
		return phaseDeploying
	}
	if g.in.Deployed == nil {
		return phaseFirstDeploy
	}
	return phaseReconciled
}

// enter runs the function of phase ph and returns the phase that
// follows within this decision, phaseDone when it waits.
func (g *gate) enter(ph phase) phase {
	switch ph {
	case phaseFirstDeploy:
		return g.firstDeploy()
	case phaseReconciled:
		return g.reconciled()
	case phaseSavepointing:
		return g.savepointing()
	case phaseTakingDown:
		return g.takingDown()
	case phaseDeploying:
		return g.deploying()
	}
	return phaseDone
}

type gate struct {
	in Input
	d  Decision
	// persist: Status records the end of a manual or periodic savepoint
	// and is written before an apply too (ApplyStep.PersistFirst).
	persist bool
	// sessionJobsHeld: this decision holds a session's restart for its
	// session jobs (holdForSessionJobs), so status.sessionUpgrade stays.
	sessionJobsHeld bool
}

func (g *gate) st() *v1beta1.FlinkDeploymentStatus { return &g.d.Status }

func (g *gate) event(warning bool, reason, format string, args ...any) {
	g.d.Events = append(g.d.Events, Event{Warning: warning, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// reconciled acts on the difference between the deployed spec and the
// desired one: none (keep the cluster as it is, serve savepoints), one
// that is applied in place, or one that needs an upgrade.
func (g *gate) reconciled() phase {
	if g.adopting() && !g.adopt() {
		return phaseDone
	}
	diff := specDiff(g.in)
	switch diff.Type {
	case DiffNone:
		if drift, ok := g.driftRestartingJob(); ok {
			return g.upgrade(drift)
		}
		g.applyDeployed()
		g.snapshots()
		return phaseDone
	case DiffIgnore, DiffScale:
		g.event(false, ReasonSpecChanged, "%s change(s) detected (%s)", diff.Type, strings.Join(diff.Fields, ", "))
		if Suspended(g.in.Deployed) {
			g.editSuspended(diff)
			return phaseDone
		}
		g.recordInPlace()
		return phaseDone
	}
	return g.upgrade(diff)
}

// upgrade starts rolling out a change that restarts the JobManager, unless
// it is held, and reports the change. An upgrade that starts is recorded
// in status.upgrade before any later phase runs, so the report here is
// the same as after them.
func (g *gate) upgrade(diff SpecDiff) phase {
	next := phaseDone
	if !g.heldBeforeStart(diff) && !g.settleTriggerBeforeUpgrade() {
		next = g.startUpgrade(diff)
	}
	changed := Event{Reason: ReasonSpecChanged, Message: fmt.Sprintf("%s change(s) detected (%s)", diff.Type, strings.Join(diff.Fields, ", "))}
	switch {
	case g.d.Hold == "" || g.st().Upgrade != nil:
		g.d.Events = append([]Event{changed}, g.d.Events...)
	case g.sessionJobsHeld && len(g.in.SessionJobsRunning) == 0:
		// Only announcing a session's restart to its session jobs: a
		// wait of one decision, no warning.
		g.d.Events = append(g.d.Events, changed)
	case g.d.Hold != g.in.Status.Error:
		// Held before it started: say so once, not on every retry.
		g.d.Events = append(g.d.Events, changed, Event{Warning: true, Reason: ReasonUpgradeHeld, Message: g.d.Hold})
	}
	return next
}

// specDiff is the classified change from the deployed spec to the desired one.
func specDiff(in Input) SpecDiff {
	if in.Diff != nil {
		return *in.Diff
	}
	return Classify(in.Deployed, in.Spec)
}
