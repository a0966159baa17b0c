package gate

import (
	"time"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The facts the gate decides on: the input of Decide and the policy that
// times it. Observation (observation.go) is what the cluster showed.

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
	// change that would alter a rendered pod to an UPGRADE (ClassifyRendered);
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
	// SessionJobsRunning names (namespace/name) the FlinkSessionJobs
	// whose jobs run, or are being submitted, on this session cluster;
	// asked only for a session whose spec change may restart it, and only
	// when SessionJobsWatched (the operator runs the FlinkSessionJob
	// controller).
	SessionJobsRunning []string
	SessionJobsWatched bool
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
