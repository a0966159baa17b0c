package v1beta1

// SavepointTriggerType says why the operator takes a savepoint of a running
// job without stopping it.
// +kubebuilder:validation:Enum=MANUAL;PERIODIC
type SavepointTriggerType string

// Savepoint trigger types (the reference operator's names; UPGRADE
// savepoints are status.upgrade's).
const (
	// SavepointTriggerManual: spec.job.savepointTriggerNonce changed.
	SavepointTriggerManual SavepointTriggerType = "MANUAL"
	// SavepointTriggerPeriodic:
	// kubernetes.operator.periodic.savepoint.interval elapsed.
	SavepointTriggerPeriodic SavepointTriggerType = "PERIODIC"
)

// SavepointTrigger is this operator's write-ahead record of a manual or
// periodic savepoint request, across its attempts. The attempt in flight is
// in status.jobStatus.savepointInfo (triggerId, triggerTimestamp,
// triggerType, formatType), as in the reference operator; this record
// adds what survives between attempts, so a restarted operator neither
// forgets a request nor serves it twice.
type SavepointTrigger struct {
	// TriggerType is MANUAL or PERIODIC.
	TriggerType SavepointTriggerType `json:"triggerType"`
	// Nonce is the spec.job.savepointTriggerNonce a MANUAL request serves;
	// it is marked consumed in lastReconciledSpec when the request ends.
	// +optional
	Nonce *int64 `json:"nonce,omitempty"`
	// FirstTriggerTimestamp is when the first attempt was
	// recorded; the grace period
	// (kubernetes.operator.savepoint.trigger.grace-period) counts from it.
	FirstTriggerTimestamp Timestamp `json:"firstTriggerTimestamp"`
	// Failures counts failed attempts.
	// +optional
	Failures int32 `json:"failures,omitempty"`
	// RetryAfter is when the next attempt may start.
	// +optional
	RetryAfter Timestamp `json:"retryAfter,omitzero"`
	// LastFailure explains the last failed attempt.
	// +optional
	LastFailure string `json:"lastFailure,omitempty"`
	// SavepointProgress is how far Flink is with the attempt in flight
	// (status.jobStatus.savepointInfo.triggerId).
	// +optional
	SavepointProgress *SavepointProgress `json:"savepointProgress,omitempty"`
}
