package v1beta1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FlinkSessionJobStatus is the observed state of a FlinkSessionJob: the
// reference operator's common status, and this operator's write-ahead
// record, whose types are the FlinkDeployment's so that the upgrade gate
// reads one vocabulary for both kinds (docs/design/sessionjob.md).
type FlinkSessionJobStatus struct {
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
	// ReconciliationStatus records the last reconciled spec and progress.
	// +optional
	ReconciliationStatus ReconciliationStatus `json:"reconciliationStatus,omitempty"`
	// Conditions: Ready, Reconciling and Stalled as kstatus defines them,
	// and the reference operator's Running.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Upgrade is the write-ahead record of a submission, upgrade, suspend
	// or resume in progress; absent when none is. Its jobId is chosen and
	// recorded before the jar is run, so a retried run after a crash
	// submits the same job, which Flink refuses as a duplicate, instead of
	// a second one.
	// +optional
	Upgrade *UpgradeProgress `json:"upgrade,omitempty"`
	// DeployedWith records the job id and restore path of the job that
	// was submitted. Its jobManagerStarted is unused: the session's
	// FlinkDeployment tracks its JobManager.
	// +optional
	DeployedWith *DeployedWith `json:"deployedWith,omitempty"`
	// Jar is the jar uploaded to the session's JobManager for the
	// submission in progress or the running job, recorded as soon as the
	// upload answers, so that the operator runs or deletes that jar
	// instead of leaving it behind.
	// +optional
	Jar *UploadedJar `json:"jar,omitempty"`
	// SavepointTrigger is the write-ahead record of a manual or periodic
	// savepoint being taken of the running job; absent when none is.
	// +optional
	SavepointTrigger *SavepointTrigger `json:"savepointTrigger,omitempty"`
}

// UploadedJar is a jar on a session's JobManager, uploaded by the operator.
type UploadedJar struct {
	// ID is the jar id the JobManager gave it (the name /jars/:jarid takes).
	ID string `json:"id"`
	// URI is the spec.job.jarURI it was fetched from.
	// +optional
	URI string `json:"uri,omitempty"`
	// Generation is the metadata.generation it was uploaded for.
	// +optional
	Generation int64 `json:"generation,omitempty"`
}
