package v1beta1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FlinkDeploymentStatus is the observed state of a FlinkDeployment. Its shape
// follows the reference operator so that tooling reading it keeps working.
type FlinkDeploymentStatus struct {
	// JobStatus is the last observed state of the job.
	// +optional
	JobStatus JobStatus `json:"jobStatus,omitempty"`
	// Error describes the last error, empty when there is none.
	// +optional
	Error string `json:"error,omitempty"`
	// ObservedGeneration is the generation of the last reconciled spec.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// LifecycleState summarises where the resource is in its lifecycle.
	// +optional
	LifecycleState ResourceLifecycleState `json:"lifecycleState,omitempty"`
	// ClusterInfo holds facts reported by the running cluster (flink-version, ...).
	// +optional
	ClusterInfo map[string]string `json:"clusterInfo,omitempty"`
	// JobManagerDeploymentStatus is the state of the JobManager Deployment.
	// +optional
	JobManagerDeploymentStatus JobManagerDeploymentStatus `json:"jobManagerDeploymentStatus,omitempty"`
	// ReconciliationStatus records the last reconciled spec and progress.
	// +optional
	ReconciliationStatus ReconciliationStatus `json:"reconciliationStatus,omitempty"`
	// TaskManager backs the scale subresource.
	// +optional
	TaskManager *TaskManagerInfo `json:"taskManager,omitempty"`
	// Conditions: Ready, Reconciling and Stalled as kstatus defines them,
	// and the reference operator's Running (docs/health.md).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Upgrade is the write-ahead record of an upgrade, suspend or resume in
	// progress; absent when none is.
	// +optional
	Upgrade *UpgradeProgress `json:"upgrade,omitempty"`
	// DeployedWith records how the running cluster was rendered.
	// +optional
	DeployedWith *DeployedWith `json:"deployedWith,omitempty"`
	// HighAvailability is what the Kubernetes HA ConfigMaps showed.
	// +optional
	HighAvailability *HAStatus `json:"highAvailability,omitempty"`
	// SavepointTrigger is the write-ahead record of a manual or periodic
	// savepoint being taken of the running job; absent when none is.
	// +optional
	SavepointTrigger *SavepointTrigger `json:"savepointTrigger,omitempty"`
	// SessionUpgrade is set on a session cluster whose change restarts
	// it while FlinkSessionJobs run on it: each of them stops its job
	// with a savepoint (or cancels a stateless one), then the session
	// restarts, and once it runs the new spec they resume from their
	// savepoints. Cleared when the session runs its spec. Only with the
	// FlinkSessionJob controller (flink-operator --session-jobs).
	// +optional
	SessionUpgrade *SessionUpgrade `json:"sessionUpgrade,omitempty"`
}

// JobStatus is the observed state of a Flink job.
type JobStatus struct {
	// +optional
	JobName string `json:"jobName,omitempty"`
	// +optional
	JobID string `json:"jobId,omitempty"`
	// State is Flink's JobStatus (RUNNING, FAILED, ...).
	// +optional
	State string `json:"state,omitempty"`
	// StartTime in epoch milliseconds.
	// +optional
	StartTime string `json:"startTime,omitempty"`
	// UpdateTime in epoch milliseconds.
	// +optional
	UpdateTime string `json:"updateTime,omitempty"`
	// UpgradeSavepointPath is restored on the next stateful deployment.
	// +optional
	UpgradeSavepointPath string `json:"upgradeSavepointPath,omitempty"`
	// SavepointInfo records savepoint triggers and results.
	// +optional
	SavepointInfo *SavepointInfo `json:"savepointInfo,omitempty"`
	// CheckpointInfo records checkpoint triggers and results.
	// +optional
	CheckpointInfo *CheckpointInfo `json:"checkpointInfo,omitempty"`
}

// Savepoint is one completed savepoint.
type Savepoint struct {
	// TimeStamp in epoch milliseconds.
	// +optional
	TimeStamp int64 `json:"timeStamp,omitempty"`
	// +optional
	Location string `json:"location,omitempty"`
	// TriggerType: MANUAL, PERIODIC, UPGRADE or UNKNOWN.
	// +optional
	TriggerType string `json:"triggerType,omitempty"`
	// FormatType: CANONICAL, NATIVE or UNKNOWN.
	// +optional
	FormatType string `json:"formatType,omitempty"`
	// +optional
	TriggerNonce *int64 `json:"triggerNonce,omitempty"`
}

// SavepointInfo tracks a pending savepoint and the completed ones.
type SavepointInfo struct {
	// +optional
	LastSavepoint *Savepoint `json:"lastSavepoint,omitempty"`
	// +optional
	TriggerID string `json:"triggerId,omitempty"`
	// +optional
	TriggerTimestamp *int64 `json:"triggerTimestamp,omitempty"`
	// +optional
	TriggerType string `json:"triggerType,omitempty"`
	// +optional
	FormatType string `json:"formatType,omitempty"`
	// +optional
	SavepointHistory []Savepoint `json:"savepointHistory,omitempty"`
	// +optional
	LastPeriodicSavepointTimestamp int64 `json:"lastPeriodicSavepointTimestamp,omitempty"`
}

// Checkpoint is one completed checkpoint.
type Checkpoint struct {
	// +optional
	TimeStamp int64 `json:"timeStamp,omitempty"`
	// +optional
	TriggerType string `json:"triggerType,omitempty"`
	// FormatType: FULL, INCREMENTAL or UNKNOWN.
	// +optional
	FormatType string `json:"formatType,omitempty"`
	// +optional
	TriggerNonce *int64 `json:"triggerNonce,omitempty"`
}

// CheckpointInfo tracks a pending checkpoint and the last completed one.
type CheckpointInfo struct {
	// +optional
	LastCheckpoint *Checkpoint `json:"lastCheckpoint,omitempty"`
	// +optional
	TriggerID string `json:"triggerId,omitempty"`
	// +optional
	TriggerTimestamp *int64 `json:"triggerTimestamp,omitempty"`
	// +optional
	TriggerType string `json:"triggerType,omitempty"`
	// +optional
	FormatType string `json:"formatType,omitempty"`
	// +optional
	LastPeriodicCheckpointTimestamp int64 `json:"lastPeriodicCheckpointTimestamp,omitempty"`
}

// ReconciliationStatus records what was last applied.
type ReconciliationStatus struct {
	// ReconciliationTimestamp in epoch milliseconds.
	// +optional
	ReconciliationTimestamp int64 `json:"reconciliationTimestamp,omitempty"`
	// LastReconciledSpec is the JSON of the last applied spec.
	// +optional
	LastReconciledSpec string `json:"lastReconciledSpec,omitempty"`
	// LastStableSpec is the JSON of the last spec that ran stably.
	// +optional
	LastStableSpec string `json:"lastStableSpec,omitempty"`
	// State of the reconciliation.
	// +optional
	State ReconciliationState `json:"state,omitempty"`
}

// TaskManagerInfo backs the scale subresource.
type TaskManagerInfo struct {
	// +optional
	LabelSelector string `json:"labelSelector,omitempty"`
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
}

// ReconciliationState is the progress of applying a spec.
// +kubebuilder:validation:Enum=DEPLOYED;UPGRADING;ROLLING_BACK;ROLLED_BACK
type ReconciliationState string

// Reconciliation states.
const (
	ReconciliationDeployed    ReconciliationState = "DEPLOYED"
	ReconciliationUpgrading   ReconciliationState = "UPGRADING"
	ReconciliationRollingBack ReconciliationState = "ROLLING_BACK"
	ReconciliationRolledBack  ReconciliationState = "ROLLED_BACK"
)

// ResourceLifecycleState is the derived lifecycle state of the resource.
// +kubebuilder:validation:Enum=CREATED;SUSPENDED;UPGRADING;DEPLOYED;STABLE;ROLLING_BACK;ROLLED_BACK;FAILED;DELETING;DELETED
type ResourceLifecycleState string

// Lifecycle states.
const (
	LifecycleCreated     ResourceLifecycleState = "CREATED"
	LifecycleSuspended   ResourceLifecycleState = "SUSPENDED"
	LifecycleUpgrading   ResourceLifecycleState = "UPGRADING"
	LifecycleDeployed    ResourceLifecycleState = "DEPLOYED"
	LifecycleStable      ResourceLifecycleState = "STABLE"
	LifecycleRollingBack ResourceLifecycleState = "ROLLING_BACK"
	LifecycleRolledBack  ResourceLifecycleState = "ROLLED_BACK"
	LifecycleFailed      ResourceLifecycleState = "FAILED"
	LifecycleDeleting    ResourceLifecycleState = "DELETING"
	LifecycleDeleted     ResourceLifecycleState = "DELETED"
)

// JobManagerDeploymentStatus is the state of the JobManager Deployment.
// +kubebuilder:validation:Enum=READY;DEPLOYED_NOT_READY;DEPLOYING;MISSING;ERROR
type JobManagerDeploymentStatus string

// JobManager deployment states.
const (
	JMReady            JobManagerDeploymentStatus = "READY"
	JMDeployedNotReady JobManagerDeploymentStatus = "DEPLOYED_NOT_READY"
	JMDeploying        JobManagerDeploymentStatus = "DEPLOYING"
	JMMissing          JobManagerDeploymentStatus = "MISSING"
	JMError            JobManagerDeploymentStatus = "ERROR"
)

// SessionUpgrade is a session cluster's restart waiting for its session
// jobs to stop with their savepoints.
type SessionUpgrade struct {
	// TargetGeneration is the metadata.generation whose change restarts
	// the session.
	TargetGeneration int64 `json:"targetGeneration"`
}
