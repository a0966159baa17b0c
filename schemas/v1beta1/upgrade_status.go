package v1beta1

// These status fields are this operator's own, beside the reference
// operator's. They are the write-ahead log of the upgrade gate: every step
// that restarts or stops a job is recorded here before it is taken, so an
// operator that restarts from nothing but the API server resumes exactly
// where the previous one stopped, and never takes a second savepoint or
// starts a stateful job empty.

// UpgradePhase is the step an upgrade, suspend or resume is at.
// +kubebuilder:validation:Enum=Savepointing;TakingDown;Deploying
type UpgradePhase string

// Upgrade phases, in the order they happen.
const (
	// PhaseSavepointing: a stop-with-savepoint has been (or is about to be)
	// triggered with UpgradeProgress.TriggerID; the job keeps running until
	// it completes.
	PhaseSavepointing UpgradePhase = "Savepointing"
	// PhaseTakingDown: the job's state is safe (RestorePath known, or HA
	// metadata confirmed, or the upgrade is stateless); the old JobManager
	// and TaskManagers are being deleted.
	PhaseTakingDown UpgradePhase = "TakingDown"
	// PhaseDeploying: the old cluster is gone; the target spec is applied
	// with RestorePath and JobID.
	PhaseDeploying UpgradePhase = "Deploying"
)

// UpgradeProgress is an upgrade, suspend or resume in progress.
type UpgradeProgress struct {
	// Phase is the step the upgrade is at.
	Phase UpgradePhase `json:"phase"`
	// Summary is the phase, and while the savepoint is taken the subtasks
	// that acknowledged it of all (`Savepointing 3/8`): what the Upgrade
	// printer column shows. The operator derives it on every status write.
	// +optional
	Summary string `json:"summary,omitempty"`
	// Mode is how the running job's state is carried over: savepoint,
	// last-state (Kubernetes HA metadata) or stateless.
	Mode UpgradeMode `json:"mode"`
	// TargetGeneration is the metadata.generation that started the upgrade.
	TargetGeneration int64 `json:"targetGeneration,omitempty"`
	// Suspend is true when the target is a suspended job: nothing is
	// deployed after the take-down.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
	// TriggerID is the client-chosen id of the stop-with-savepoint (Flink
	// 1.15+), recorded before the call so a retried call is the same
	// savepoint; for older Flink the id Flink returned.
	// +optional
	TriggerID string `json:"triggerId,omitempty"`
	// TriggerTimestamp is when the savepoint was requested.
	// +optional
	TriggerTimestamp Timestamp `json:"triggerTimestamp,omitzero"`
	// Failures counts failed savepoint attempts for this upgrade.
	// +optional
	Failures int32 `json:"failures,omitempty"`
	// RetryAfter is when the next savepoint attempt may start.
	// +optional
	RetryAfter Timestamp `json:"retryAfter,omitzero"`
	// LastFailure explains the last failed savepoint attempt.
	// +optional
	LastFailure string `json:"lastFailure,omitempty"`
	// SavepointProgress is how far Flink is with the savepoint of
	// TriggerID, while the phase is Savepointing.
	// +optional
	SavepointProgress *SavepointProgress `json:"savepointProgress,omitempty"`
	// RestorePath is what the new job restores from; empty for a stateless
	// start.
	// +optional
	RestorePath string `json:"restorePath,omitempty"`
	// JobID is the Flink job id the new job gets: the old one for a
	// last-state upgrade, a new one otherwise.
	// +optional
	JobID string `json:"jobId,omitempty"`
	// TakeDownTimestamp is when the take-down of the old
	// cluster began: recorded before its Deployments are deleted, so the
	// take-down timeout counts from it across operator restarts.
	// +optional
	TakeDownTimestamp Timestamp `json:"takeDownTimestamp,omitzero"`
	// TakeDownOverdue is set once the take-down has waited longer than the
	// operator's take-down timeout for the old cluster's pods to go
	// (status.error names them); the Warning event was emitted then. The
	// new JobManager still waits for them.
	// +optional
	TakeDownOverdue bool `json:"takeDownOverdue,omitempty"`
}

// DeployedWith records the run-time choices the running cluster was
// rendered with, so that re-rendering it (to correct drift) reproduces it
// exactly instead of restarting the job.
type DeployedWith struct {
	// RestorePath the job was started from; empty for an empty start.
	// +optional
	RestorePath string `json:"restorePath,omitempty"`
	// JobID the job was started with.
	// +optional
	JobID string `json:"jobId,omitempty"`
	// JobManagerStarted is set once the operator has seen a JobManager of
	// this deployment run: its Deployment was available, or a JobManager
	// container started. The deployed job counts as never started only
	// while this is unset and the cluster shows that no JobManager ever
	// ran; only then may a change redeploy it without a savepoint.
	// +optional
	JobManagerStarted bool `json:"jobManagerStarted,omitempty"`
}

// HAStatus is what the operator read from Flink's Kubernetes HA
// ConfigMaps, without needing the REST API.
type HAStatus struct {
	// MetadataAvailable is true when a job's HA ConfigMap exists.
	// +optional
	MetadataAvailable bool `json:"metadataAvailable,omitempty"`
	// LatestCheckpointID is the highest checkpointID-… key found, 0 when none.
	// +optional
	LatestCheckpointID int64 `json:"latestCheckpointId,omitempty"`
	// ObservedTimestamp is when the ConfigMaps were read.
	// +optional
	ObservedTimestamp Timestamp `json:"observedTimestamp,omitzero"`
}
