package gate

import (
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Manual and periodic savepoints of a FlinkSessionJob's job, by the rules
// of a FlinkDeployment's (snapshots.go): the same nonce and schedule, the
// same write-ahead record (status.savepointTrigger and
// status.jobStatus.savepointInfo, which both kinds' statuses have), the
// same reading of a poll, retries within the grace period, and the same
// nonce consumption. The session job's facts are put into the shape those
// rules read: its job and configuration as a FlinkDeployment spec's, the
// session's JobManager as a ready JobManager.

// SessionJobSnapshotInput is what a session job's snapshot decision reads.
type SessionJobSnapshotInput struct {
	// Submitted is the spec the running job was submitted with
	// (status.reconciliationStatus.lastReconciledSpec); Spec the desired
	// one. Both have a job.
	Submitted, Spec *v1beta1.FlinkSessionJobSpec
	Generation      int64
	// SessionConfiguration is the session FlinkDeployment's
	// flinkConfiguration. The job's own keys win over it, as they do in
	// Flink: the savepoint directory, the periodic interval and the grace
	// period are read from the two together.
	SessionConfiguration *v1beta1.ConfigObject
	// FlinkVersion is the session's: it names the configuration keys
	// (the savepoint directory's changed in 1.20).
	FlinkVersion v1beta1.FlinkVersion
	Status       *v1beta1.FlinkSessionJobStatus
	// Job is the submitted job as the session's JobManager reports it;
	// nil when the REST API did not answer.
	Job *flinkrest.JobOverview
	// Savepoint is the poll of the attempt in flight; LatestCheckpoint the
	// newest savepoint REST reports when Flink no longer knows the
	// trigger (see Input).
	Savepoint            SavepointObservation
	LatestCheckpoint     string
	LatestCheckpointTime int64
	TriggerIDs           bool
	Now, Created         time.Time
	NewTriggerID         string
	Policy               Policy
}

// SessionJobSnapshotDecision is what to do: write Status (before sending
// Savepoint, when set: the attempt is recorded first), then send
// Savepoint, emit Events, and look again after RequeueAfter.
type SessionJobSnapshotDecision struct {
	Status       v1beta1.FlinkSessionJobStatus
	Savepoint    *SavepointStep
	RequeueAfter time.Duration
	Events       []Event
	// ConsumedNonce is the savepointTriggerNonce a finished (or given
	// up) manual savepoint served: the caller records it in the
	// submitted spec, as the reference operator does, so it is never
	// served twice.
	ConsumedNonce *int64
	// UpgradeWaits: (SettleSessionJobSnapshot) an attempt in flight is to
	// finish before the upgrade starts.
	UpgradeWaits bool
}

// SessionJobSnapshots starts, follows or ends a manual or periodic
// savepoint of a session job's running job, whose submitted spec is the
// desired one but for the snapshot nonces.
func SessionJobSnapshots(in SessionJobSnapshotInput) SessionJobSnapshotDecision {
	g := sessionJobGate(in)
	g.snapshots()
	return sessionJobSnapshotDecision(in, g)
}

// SettleSessionJobSnapshot ends a manual or periodic savepoint before an
// upgrade of the session job starts, as settleTriggerBeforeUpgrade does for
// a FlinkDeployment: an attempt in flight is waited for (UpgradeWaits) at
// most the savepoint timeout, and recorded if it completes; a request
// between attempts is dropped.
func SettleSessionJobSnapshot(in SessionJobSnapshotInput) SessionJobSnapshotDecision {
	g := sessionJobGate(in)
	waits := g.settleTriggerBeforeUpgrade()
	d := sessionJobSnapshotDecision(in, g)
	d.UpgradeWaits = waits
	return d
}

func sessionJobGate(in SessionJobSnapshotInput) *gate {
	submitted := sessionJobAsDeployment(in.Submitted, in.SessionConfiguration, in.FlinkVersion)
	desired := sessionJobAsDeployment(in.Spec, in.SessionConfiguration, in.FlinkVersion)
	// consumeNonce reads and writes the submitted spec in this shape; the
	// caller gets the nonce back (ConsumedNonce), not this encoding.
	recorded, _ := v1beta1.EncodeReconciledSpec(*submitted, false)
	st := v1beta1.FlinkDeploymentStatus{
		JobStatus:            *in.Status.JobStatus.DeepCopy(),
		SavepointTrigger:     in.Status.SavepointTrigger.DeepCopy(),
		ObservedGeneration:   in.Status.ObservedGeneration,
		ReconciliationStatus: v1beta1.ReconciliationStatus{LastReconciledSpec: recorded},
	}
	obs := Observation{JobManager: v1beta1.JMReady, Job: in.Job}
	if in.Job == nil {
		// Not known, rather than not running: nothing is dropped for a
		// REST API that did not answer.
		obs.JobManager = v1beta1.JMDeployedNotReady
	}
	gin := Input{
		Spec: desired, Generation: in.Generation, Status: &st, Deployed: submitted, Obs: obs,
		Savepoint: in.Savepoint, LatestCheckpoint: in.LatestCheckpoint, LatestCheckpointTime: in.LatestCheckpointTime,
		TriggerIDs: in.TriggerIDs, Now: in.Now, Created: in.Created, NewTriggerID: in.NewTriggerID,
		Policy: in.Policy.WithDefaults(),
	}
	return &gate{in: gin, d: Decision{Status: *st.DeepCopy()}}
}

// sessionJobAsDeployment is a session job's spec as the FlinkDeployment
// rules read it: its job, and the session's configuration under its own.
func sessionJobAsDeployment(s *v1beta1.FlinkSessionJobSpec, session *v1beta1.ConfigObject, version v1beta1.FlinkVersion) *v1beta1.FlinkDeploymentSpec {
	return &v1beta1.FlinkDeploymentSpec{FlinkVersion: version, Job: s.Job.DeepCopy(), FlinkConfiguration: layered(session, s.FlinkConfiguration)}
}

// layered is base with top's keys over it; nil when both are.
func layered(base, top *v1beta1.ConfigObject) *v1beta1.ConfigObject {
	if base == nil {
		return top
	}
	if top == nil {
		return base
	}
	// Both were validated when they were written; an unreadable one
	// contributes no keys, as configOf reads it.
	merged := map[string]any{}
	for _, c := range []*v1beta1.ConfigObject{base, top} {
		entries, _ := c.Flatten()
		for _, e := range entries {
			merged[e.Key] = e.Value
		}
	}
	return v1beta1.NewConfigObject(merged)
}

func sessionJobSnapshotDecision(in SessionJobSnapshotInput, g *gate) SessionJobSnapshotDecision {
	st := g.st()
	out := SessionJobSnapshotDecision{Status: *in.Status.DeepCopy(), Savepoint: g.d.Savepoint, RequeueAfter: g.d.RequeueAfter, Events: g.d.Events}
	out.Status.JobStatus = st.JobStatus
	out.Status.SavepointTrigger = st.SavepointTrigger
	out.Status.ObservedGeneration = max(out.Status.ObservedGeneration, st.ObservedGeneration)
	if consumed, _, err := v1beta1.DecodeReconciledSpec(st.ReconciliationStatus.LastReconciledSpec); err == nil && consumed.Job != nil {
		if n, was := consumed.Job.SavepointTriggerNonce, in.Submitted.Job.SavepointTriggerNonce; n != nil && (was == nil || *was != *n) {
			v := *n
			out.ConsumedNonce = &v
		}
	}
	return out
}
