package gate

import (
	"fmt"
	"strings"
	"time"

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

// Savepoint history entries kept in status.
const maxSavepointHistory = 10

// Policy holds the gate's timings and limits.
type Policy struct {
	// SavepointPollInterval is how often a pending savepoint is polled.
	SavepointPollInterval time.Duration
	// SavepointTimeout is how long a savepoint may take before the attempt
	// counts as failed.
	SavepointTimeout time.Duration
	// MaxSavepointAttempts bounds the attempts per upgrade; then the upgrade
	// is abandoned until the spec changes again.
	MaxSavepointAttempts int32
	// RetryBackoff is the wait after the first failed attempt; it doubles
	// with each further one.
	RetryBackoff time.Duration
	// WaitInterval is how soon to look again while waiting for the job.
	WaitInterval time.Duration
	// TakeDownPollInterval is how often a cluster being deleted is checked.
	TakeDownPollInterval time.Duration
	// TakeDownTimeout is how long a take-down waits for the old cluster's
	// pods before it reports them (status.error, a TakeDownStuck event, a
	// metric). It keeps waiting: a new JobManager never starts while the
	// old one may still run (rollout.go).
	TakeDownTimeout time.Duration
}

// DefaultPolicy is used for zero fields of Reconciler.Policy.
var DefaultPolicy = Policy{
	SavepointPollInterval: 250 * time.Millisecond,
	SavepointTimeout:      10 * time.Minute,
	MaxSavepointAttempts:  3,
	RetryBackoff:          10 * time.Second,
	WaitInterval:          5 * time.Second,
	TakeDownPollInterval:  250 * time.Millisecond,
	TakeDownTimeout:       5 * time.Minute,
}

func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy
	if p.SavepointPollInterval > 0 {
		d.SavepointPollInterval = p.SavepointPollInterval
	}
	if p.SavepointTimeout > 0 {
		d.SavepointTimeout = p.SavepointTimeout
	}
	if p.MaxSavepointAttempts > 0 {
		d.MaxSavepointAttempts = p.MaxSavepointAttempts
	}
	if p.RetryBackoff > 0 {
		d.RetryBackoff = p.RetryBackoff
	}
	if p.WaitInterval > 0 {
		d.WaitInterval = p.WaitInterval
	}
	if p.TakeDownPollInterval > 0 {
		d.TakeDownPollInterval = p.TakeDownPollInterval
	}
	if p.TakeDownTimeout > 0 {
		d.TakeDownTimeout = p.TakeDownTimeout
	}
	return d
}

// SavepointState is what polling the pending savepoint showed.
type SavepointState string

// Savepoint poll results.
const (
	// SavepointNotPolled: no poll was possible (REST API unreachable).
	SavepointNotPolled SavepointState = ""
	// SavepointUnknown: Flink does not know the trigger (never sent, or
	// the JobManager restarted).
	SavepointUnknown     SavepointState = "UNKNOWN"
	SavepointInProgress  SavepointState = "IN_PROGRESS"
	SavepointSucceeded   SavepointState = "SUCCEEDED"
	SavepointFailed      SavepointState = "FAILED"
	SavepointNotRequired SavepointState = "-"
)

// SavepointObservation is the state of the pending savepoint.
type SavepointObservation struct {
	State    SavepointState
	Location string
	Failure  string
	// TriggerError is set when the trigger call itself was refused.
	TriggerError string
}

// HAObservation is what Flink's Kubernetes HA ConfigMaps showed.
type HAObservation struct {
	// Enabled: the deployed configuration uses Kubernetes HA.
	Enabled bool
	// MetadataAvailable: a job's HA ConfigMap exists.
	MetadataAvailable bool
	// LatestCheckpointID is the highest checkpointID-… key, 0 when none.
	LatestCheckpointID int64
}

// Input is everything the gate decides on.
type Input struct {
	// Spec is the desired spec, defaulted and valid. When the user's spec
	// is invalid the caller passes the deployed one.
	Spec       *v1beta1.FlinkDeploymentSpec
	Generation int64
	Status     *v1beta1.FlinkDeploymentStatus
	// Deployed is the last reconciled spec; nil before the first deploy.
	Deployed *v1beta1.FlinkDeploymentSpec
	// FirstDeployment: Deployed was recorded by the first deployment.
	FirstDeployment bool
	// Diff classifies the change from Deployed to Spec. The reconciler
	// passes classifyRendered's answer, which escalates an IGNORE or SCALE
	// change that would alter a rendered pod to an UPGRADE (diff_render.go);
	// nil means Classify's field table alone.
	Diff      *SpecDiff
	Obs       Observation
	Savepoint SavepointObservation
	// LatestCheckpoint is the newest restorable savepoint or checkpoint the
	// REST API reports, when it was asked (job terminal, or a savepoint
	// trigger Flink does not know); LatestCheckpointTime is its trigger
	// time in epoch ms.
	LatestCheckpoint     string
	LatestCheckpointTime int64
	HA                   HAObservation
	// ClusterGone: no Deployment or pod of the cluster is left.
	ClusterGone bool
	// JobManagerLost: the JobManager Deployment of the deployed, not
	// suspended, cluster is absent from the API server (a direct read,
	// not the cache), and JobManagerPodsLeft says whether pods of the
	// JobManager still exist (recover.go).
	JobManagerLost, JobManagerPodsLeft bool
	// PodTemplateDrift names the Deployments whose pod template was
	// changed outside the operator and which an apply guarded by
	// GuardPodTemplates held back, because putting them back restarts
	// the job.
	PodTemplateDrift []string
	// ClusterLeft lists what is left of the cluster being taken down; it
	// is only observed once the take-down is overdue (rollout.go).
	ClusterLeft []LeftOver
	// TriggerIDs: the running Flink accepts client-chosen trigger ids.
	TriggerIDs bool
	Now        time.Time
	// Created is the FlinkDeployment's creation time; the first periodic
	// savepoint is due an interval after it.
	Created time.Time
	// NewJobID and NewTriggerID are fresh random ids the gate may use.
	NewJobID, NewTriggerID string
	Policy                 Policy
}

// Decide returns the next step for a FlinkDeployment.
func Decide(in Input) Decision {
	in.Policy = in.Policy.WithDefaults()
	g := &gate{in: in, d: Decision{Status: *in.Status.DeepCopy()}}
	g.decide()
	if g.d.Apply != nil {
		g.d.Apply.PersistFirst = g.persist
	}
	return g.d
}

type gate struct {
	in Input
	d  Decision
	// persist: Status records the end of a manual or periodic savepoint
	// and is written before an apply too (ApplyStep.PersistFirst).
	persist bool
}

func (g *gate) st() *v1beta1.FlinkDeploymentStatus { return &g.d.Status }

func (g *gate) event(warning bool, reason, format string, args ...any) {
	g.d.Events = append(g.d.Events, Event{Warning: warning, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

func (g *gate) decide() {
	if up := g.st().Upgrade; up != nil {
		if g.st().SavepointTrigger != nil && !UpgradeAbandoned(g.st(), g.in.Policy.MaxSavepointAttempts) {
			// Not started by this operator (settleTriggerBeforeUpgrade
			// ends requests first); never left behind either.
			g.dropTrigger("an upgrade of the job is in progress")
		}
		switch up.Phase {
		case v1beta1.PhaseSavepointing:
			g.savepointing()
		case v1beta1.PhaseTakingDown:
			g.takingDown()
		default:
			g.deploying()
		}
		return
	}
	if g.in.Deployed == nil {
		g.firstDeploy()
		return
	}
	diff := g.specDiff()
	switch diff.Type {
	case DiffNone:
		if g.driftRestartsJob() {
			return
		}
		g.applyDeployed()
		g.snapshots()
	case DiffIgnore, DiffScale:
		g.event(false, ReasonSpecChanged, "%s change(s) detected (%s)", diff.Type, strings.Join(diff.Fields, ", "))
		if Suspended(g.in.Deployed) {
			g.editSuspended(diff)
			return
		}
		g.recordInPlace()
	default:
		g.upgrade(diff)
	}
}

// upgrade starts rolling out a change that restarts the JobManager.
func (g *gate) upgrade(diff SpecDiff) {
	changed := Event{Reason: ReasonSpecChanged, Message: fmt.Sprintf("%s change(s) detected (%s)", diff.Type, strings.Join(diff.Fields, ", "))}
	if !g.heldBeforeStart(diff) && !g.settleTriggerBeforeUpgrade() {
		g.startUpgrade(diff)
	}
	switch {
	case g.d.Hold == "" || g.st().Upgrade != nil:
		g.d.Events = append([]Event{changed}, g.d.Events...)
	case g.d.Hold != g.in.Status.Error:
		// Held before it started: say so once, not on every retry.
		g.d.Events = append(g.d.Events, changed, Event{Warning: true, Reason: ReasonUpgradeHeld, Message: g.d.Hold})
	}
}

// specDiff is the classified change from the deployed spec to the desired one.
func (g *gate) specDiff() SpecDiff {
	if g.in.Diff != nil {
		return *g.in.Diff
	}
	return Classify(g.in.Deployed, g.in.Spec)
}
