package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FlinkSessionJob is a job submitted over REST to a session cluster (a
// FlinkDeployment without spec.job), as in the reference operator. Its
// controller is experimental and off by default (flink-operator
// --session-jobs; docs/design/sessionjob.md), and the chart installs the
// CRD only with sessionJobs.enabled, which turns the controller on, so
// that no cluster accepts session jobs that nothing would run.
//
// The session job's name is not a Flink cluster id, so only Kubernetes'
// own name rules apply to it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=sessionjob,categories={flink,all}
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Job Status",type=string,JSONPath=`.status.jobStatus.state`,description="Last observed state of the job"
// +kubebuilder:printcolumn:name="Lifecycle State",type=string,JSONPath=`.status.lifecycleState`,description="Lifecycle state of the Flink resource"
// +kubebuilder:printcolumn:name="Session",type=string,JSONPath=`.spec.deploymentName`,priority=1,description="The session FlinkDeployment the job runs on"
// +kubebuilder:printcolumn:name="Error",type=string,JSONPath=`.status.error`,priority=1,description="The last error, or why nothing progresses"
type FlinkSessionJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is required: unlike a FlinkDeployment, a session job has no
	// canary form without one.
	// +required
	Spec   FlinkSessionJobSpec   `json:"spec"`
	Status FlinkSessionJobStatus `json:"status,omitempty"`
}

// FlinkSessionJobList is a list of FlinkSessionJobs.
//
// +kubebuilder:object:root=true
type FlinkSessionJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlinkSessionJob `json:"items"`
}

// FlinkSessionJobSpec is the desired state of a job on a session cluster.
//
// The operator fetches the jar and uploads it to the session's JobManager,
// so a session job always names one, and never one inside an image
// (local://, file://): those are paths in the application cluster's image,
// which a session's JobManager does not have. The reference operator uploads
// an empty jar when jarURI is missing (a job on the session's classpath);
// this operator refuses that until it is asked for (docs/differences.md).
// +kubebuilder:validation:XValidation:rule="has(self.job.jarURI) && self.job.jarURI.size() > 0",message="spec.job.jarURI is required for a FlinkSessionJob, for example https://repo.example.com/jobs/job.jar: the operator fetches the jar and uploads it to the session's JobManager",fieldPath=".job.jarURI"
// +kubebuilder:validation:XValidation:rule="!has(self.job.jarURI) || !self.job.jarURI.matches('^(?i)(local|file)://')",message="spec.job.jarURI of a FlinkSessionJob must be https://, http://, s3:// or gs://: a local:// or file:// jar lies in an application cluster's image, and a session's JobManager has none",fieldPath=".job.jarURI"
type FlinkSessionJobSpec struct {
	// DeploymentName is the session FlinkDeployment (in the same
	// namespace) the job runs on. It cannot change: the job's state and
	// id belong to that cluster.
	// The name rule passes '' to leave that to MinLength's one message.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.deploymentName cannot change: the job runs on that session cluster; create a new FlinkSessionJob for another"
	// +kubebuilder:validation:XValidation:rule="self == '' || (self.size() <= 45 && self.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$'))",message="spec.deploymentName must be a FlinkDeployment's name: at most 45 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
	DeploymentName string `json:"deploymentName,omitempty"`

	// Job to submit. It has the fields of a FlinkDeployment's job, with the
	// same meaning.
	// +required
	Job *JobSpec `json:"job,omitempty"`

	// FlinkConfiguration is the job-level configuration, flat ("a.b": v)
	// or nested YAML (a: {b: v}), passed with the job (Flink 1.17+) on top
	// of the session cluster's.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	FlinkConfiguration *ConfigObject `json:"flinkConfiguration,omitempty"`

	// RestartNonce restarts the job (through the upgrade path) when it
	// changes to a new non-null value.
	// +optional
	RestartNonce *int64 `json:"restartNonce,omitempty"`
}

// TargetSessionLabel names the session FlinkDeployment of a
// FlinkSessionJob (target.session=<spec.deploymentName>), as the reference
// operator's webhook sets it, so that a session's jobs can be listed by
// label. The webhook sets it on admission and the controller on its first
// pass, so it holds with the webhook off too.
const TargetSessionLabel = "target.session"
