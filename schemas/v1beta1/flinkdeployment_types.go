package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FlinkDeployment describes a Flink cluster: an application cluster running
// one job when spec.job is set, a session cluster otherwise.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=flinkdep
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.taskManager.replicas,statuspath=.status.taskManager.replicas,selectorpath=.status.taskManager.labelSelector
// +kubebuilder:printcolumn:name="Job Status",type=string,JSONPath=`.status.jobStatus.state`,description="Last observed state of the job"
// +kubebuilder:printcolumn:name="Lifecycle State",type=string,JSONPath=`.status.lifecycleState`,description="Lifecycle state of the Flink resource"
type FlinkDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   FlinkDeploymentSpec   `json:"spec,omitempty"`
	Status FlinkDeploymentStatus `json:"status,omitempty"`
}

// FlinkDeploymentList is a list of FlinkDeployments.
//
// +kubebuilder:object:root=true
type FlinkDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlinkDeployment `json:"items"`
}

// FlinkDeploymentSpec is the desired state of a Flink cluster.
type FlinkDeploymentSpec struct {
	// Job to run on an application cluster. Absent for a session cluster.
	// +optional
	Job *JobSpec `json:"job,omitempty"`

	// RestartNonce restarts the cluster (through the upgrade path) when it
	// changes to a new non-null value.
	// +optional
	RestartNonce *int64 `json:"restartNonce,omitempty"`

	// FlinkConfiguration holds Flink configuration keys, flat ("a.b": v) or
	// nested YAML (a: {b: v}); values may be strings, numbers or booleans.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	FlinkConfiguration *ConfigObject `json:"flinkConfiguration,omitempty"`

	// Image is the Flink container image.
	// +optional
	Image string `json:"image,omitempty"`

	// ImagePullPolicy of the Flink containers.
	// +optional
	// +kubebuilder:validation:Enum=Always;Never;IfNotPresent
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`

	// ServiceAccount the Flink pods run as.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`

	// FlinkVersion of the image; selects config file format and key names.
	// +optional
	FlinkVersion FlinkVersion `json:"flinkVersion,omitempty"`

	// Ingress exposing the Flink REST API and web UI.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`

	// PodTemplate is the base pod template for JobManager and TaskManager pods.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *PodTemplate `json:"podTemplate,omitempty"`

	// JobManager settings.
	// +optional
	JobManager *JobManagerSpec `json:"jobManager,omitempty"`

	// TaskManager settings.
	// +optional
	TaskManager *TaskManagerSpec `json:"taskManager,omitempty"`

	// LogConfiguration maps a log configuration file name
	// (log4j-console.properties or logback-console.xml) to its content.
	// +optional
	LogConfiguration map[string]string `json:"logConfiguration,omitempty"`

	// Mode is the Kubernetes deployment mode: native (Flink creates
	// TaskManager pods) or standalone (the operator creates them).
	// +optional
	Mode *DeploymentMode `json:"mode,omitempty"`
}

// DeploymentMode is how Flink runs on Kubernetes.
// +kubebuilder:validation:Enum=native;standalone
type DeploymentMode string

// Deployment modes.
const (
	ModeNative     DeploymentMode = "native"
	ModeStandalone DeploymentMode = "standalone"
)

// JobSpec describes the job of an application cluster.
type JobSpec struct {
	// JarURI of the job jar, for example local:///opt/flink/usrlib/job.jar.
	// +optional
	JarURI string `json:"jarURI,omitempty"`

	// Parallelism of the job.
	// +optional
	Parallelism int32 `json:"parallelism,omitempty"`

	// EntryClass is the fully qualified main class.
	// +optional
	EntryClass string `json:"entryClass,omitempty"`

	// Args are the program arguments.
	// +optional
	Args []string `json:"args,omitempty"`

	// State is the desired job state.
	// +optional
	State JobState `json:"state,omitempty"`

	// UpgradeMode decides how state is kept across upgrades and suspends.
	// +optional
	UpgradeMode UpgradeMode `json:"upgradeMode,omitempty"`

	// InitialSavepointPath is restored on first deployment and on a
	// savepointRedeployNonce change.
	// +optional
	InitialSavepointPath string `json:"initialSavepointPath,omitempty"`

	// AllowNonRestoredState allows skipping savepoint state that cannot be
	// mapped to the new job graph.
	// +optional
	AllowNonRestoredState *bool `json:"allowNonRestoredState,omitempty"`

	// SavepointTriggerNonce triggers a manual savepoint when changed (deprecated in the reference operator).
	// +optional
	SavepointTriggerNonce *int64 `json:"savepointTriggerNonce,omitempty"`

	// CheckpointTriggerNonce triggers a manual checkpoint when changed (deprecated in the reference operator).
	// +optional
	CheckpointTriggerNonce *int64 `json:"checkpointTriggerNonce,omitempty"`

	// SavepointRedeployNonce redeploys from initialSavepointPath when changed.
	// +optional
	SavepointRedeployNonce *int64 `json:"savepointRedeployNonce,omitempty"`

	// AutoscalerResetNonce resets autoscaler history when changed.
	// +optional
	AutoscalerResetNonce *int64 `json:"autoscalerResetNonce,omitempty"`
}

// JobState is the desired state of a job.
// +kubebuilder:validation:Enum=running;suspended
type JobState string

// Job states.
const (
	JobStateRunning   JobState = "running"
	JobStateSuspended JobState = "suspended"
)

// UpgradeMode is how job state survives an upgrade or suspend.
// +kubebuilder:validation:Enum=stateless;savepoint;last-state
type UpgradeMode string

// Upgrade modes.
const (
	UpgradeModeStateless UpgradeMode = "stateless"
	UpgradeModeSavepoint UpgradeMode = "savepoint"
	UpgradeModeLastState UpgradeMode = "last-state"
)

// Resource is the legacy resource description of a Flink process.
type Resource struct {
	// CPU cores.
	// +optional
	CPU *float64 `json:"cpu,omitempty"`
	// Memory in Flink MemorySize format (2048m = 2048 MiB) or as a Kubernetes quantity.
	// +optional
	Memory string `json:"memory,omitempty"`
	// EphemeralStorage as a Kubernetes quantity.
	// +optional
	EphemeralStorage string `json:"ephemeralStorage,omitempty"`
}

// JobManagerSpec configures the JobManager.
type JobManagerSpec struct {
	// Resource is the legacy resource description.
	// +optional
	Resource *Resource `json:"resource,omitempty"`
	// Resources are Kubernetes resource requirements of the main container.
	// +optional
	Resources *ResourceRequirements `json:"resources,omitempty"`
	// Replicas of the JobManager; more than one needs high availability.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// PodTemplate for JobManager pods, merged over spec.podTemplate.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *PodTemplate `json:"podTemplate,omitempty"`
}

// TaskManagerSpec configures the TaskManagers.
type TaskManagerSpec struct {
	// Resource is the legacy resource description.
	// +optional
	Resource *Resource `json:"resource,omitempty"`
	// Resources are Kubernetes resource requirements of the main container.
	// +optional
	Resources *ResourceRequirements `json:"resources,omitempty"`
	// Replicas of the TaskManager; when set, the job parallelism becomes
	// replicas times task slots.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// PodTemplate for TaskManager pods, merged over spec.podTemplate.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *PodTemplate `json:"podTemplate,omitempty"`
}

// IngressSpec describes the Ingress to the Flink REST API.
type IngressSpec struct {
	// Template of the URL, with {{name}} and {{namespace}} placeholders, in
	// host form (flink.example.com), path form (/{{namespace}}/{{name}}) or both.
	// +optional
	Template string `json:"template,omitempty"`
	// ClassName is the IngressClass.
	// +optional
	ClassName *string `json:"className,omitempty"`
	// Annotations of the Ingress.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// Labels of the Ingress.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// TLS settings, copied to the Ingress.
	// +optional
	TLS []IngressTLS `json:"tls,omitempty"`
}

// IngressTLS is the TLS configuration of an Ingress.
type IngressTLS struct {
	// +optional
	Hosts []string `json:"hosts,omitempty"`
	// +optional
	SecretName string `json:"secretName,omitempty"`
}
