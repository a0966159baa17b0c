package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The name becomes Flink's kubernetes.cluster-id, from which Flink derives
// the names of its Deployments, Services and ConfigMaps; hence the reference
// operator's 45-character DNS-label rule.
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 45",message="metadata.name must be at most 45 characters: Flink derives longer object names from it"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must consist of lower-case letters, digits and '-', start with a letter and end with a letter or digit"
//
// Transition rules. Once a spec has been deployed (status records it), the
// deployment mode and the cluster type are fixed, as in the reference
// operator; before that they may still change. A status or metadata update
// leaves spec unchanged and so always passes. Canary resources have no spec.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.status) || !has(oldSelf.status.reconciliationStatus) || !has(oldSelf.status.reconciliationStatus.lastReconciledSpec) || oldSelf.status.reconciliationStatus.lastReconciledSpec == '' || (has(self.spec) && has(self.spec.mode) ? self.spec.mode : 'native') == (has(oldSelf.spec) && has(oldSelf.spec.mode) ? oldSelf.spec.mode : 'native')",message="spec.mode cannot change after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again",fieldPath=".spec.mode"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.status) || !has(oldSelf.status.reconciliationStatus) || !has(oldSelf.status.reconciliationStatus.lastReconciledSpec) || oldSelf.status.reconciliationStatus.lastReconciledSpec == '' || (has(self.spec) && has(self.spec.job)) == (has(oldSelf.spec) && has(oldSelf.spec.job))",message="spec.job cannot be added or removed after the first deployment (a session cluster cannot become an application cluster, nor the reverse): create a new FlinkDeployment",fieldPath=".spec.job"

// FlinkDeployment describes a Flink cluster: an application cluster running
// one job when spec.job is set, a session cluster otherwise.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=flinkdep,categories={flink,all}
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.taskManager.replicas,statuspath=.status.taskManager.replicas,selectorpath=.status.taskManager.labelSelector
// +kubebuilder:printcolumn:name="Job Status",type=string,JSONPath=`.status.jobStatus.state`,description="Last observed state of the job"
// +kubebuilder:printcolumn:name="Lifecycle State",type=string,JSONPath=`.status.lifecycleState`,description="Lifecycle state of the Flink resource"
// +kubebuilder:printcolumn:name="Upgrade",type=string,JSONPath=`.status.upgrade.summary`,description="Phase of the upgrade, suspend or resume in progress, with the savepoint's acknowledged/total subtasks while one is taken"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,description="Whether the current generation runs (the Ready condition)"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Flink",type=string,JSONPath=`.spec.flinkVersion`,priority=1,description="Flink version"
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`,priority=1,description="native or standalone"
// +kubebuilder:printcolumn:name="JobManager",type=string,JSONPath=`.status.jobManagerDeploymentStatus`,priority=1,description="State of the JobManager Deployment"
// +kubebuilder:printcolumn:name="Last Savepoint",type=string,JSONPath=`.status.jobStatus.savepointInfo.lastSavepoint.location`,priority=1,description="Location of the last completed savepoint"
// +kubebuilder:printcolumn:name="Error",type=string,JSONPath=`.status.error`,priority=1,description="The last error, or why nothing progresses"
type FlinkDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is absent only in canary resources, which deploy nothing.
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
//
// The first two rules repeat schemas/validation checks on typed fields, so that kubectl apply refuses
// them with the webhook off. The version list must be the versions whose table entry has no native
// mode (TestCRDNativeModeVersionsMatchTheTable). Rules on flinkConfiguration keys (such as
// "last-state needs Kubernetes HA") cannot be written: CEL sees no key of a schemaless
// (x-kubernetes-preserve-unknown-fields) object, so they stay with the webhook and the operator.
// +kubebuilder:validation:XValidation:rule="(has(self.mode) && self.mode == 'standalone') || !(self.flinkVersion in ['v1_11', 'v1_12'])",message="native mode needs v1_13 or newer (Flink's TaskManager pod templates arrived in 1.13); run Flink 1.11 and 1.12 in mode: standalone",fieldPath=".flinkVersion"
// +kubebuilder:validation:XValidation:rule="!has(self.job) || (has(self.mode) && self.mode == 'standalone') || (has(self.job.jarURI) && self.job.jarURI.size() > 0)",message="spec.job.jarURI is required in native mode, for example local:///opt/flink/usrlib/job.jar: native mode deploys exactly one jar (Flink's pipeline.jars); mode: standalone can run a jar already in the image's usrlib or classpath",fieldPath=".job.jarURI"
// +kubebuilder:validation:XValidation:rule="!has(self.job) || (has(self.taskManager) && has(self.taskManager.replicas)) || (has(self.job.parallelism) && self.job.parallelism >= 1)",message="spec.job.parallelism must be at least 1, unless spec.taskManager.replicas is set",fieldPath=".job.parallelism"
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
	// +required
	// +kubebuilder:validation:MinLength=1
	Image string `json:"image,omitempty"`

	// ImagePullPolicy of the Flink containers.
	// +optional
	// +kubebuilder:validation:Enum=Always;Never;IfNotPresent
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`

	// ServiceAccount the Flink pods run as.
	// +required
	// +kubebuilder:validation:MinLength=1
	ServiceAccount string `json:"serviceAccount,omitempty"`

	// FlinkVersion of the image; selects config file format and key names.
	// +required
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
	// +kubebuilder:validation:MaxProperties=2
	// +kubebuilder:validation:XValidation:rule="self.all(k, k == 'log4j-console.properties' || k == 'logback-console.xml')",message="spec.logConfiguration may only hold log4j-console.properties and logback-console.xml"
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

// A new savepointRedeployNonce redeploys from initialSavepointPath, so it
// needs one (a transition rule: a nonce given at creation is not a change).
// +kubebuilder:validation:XValidation:rule="!has(self.savepointRedeployNonce) || (has(oldSelf.savepointRedeployNonce) && oldSelf.savepointRedeployNonce == self.savepointRedeployNonce) || (has(self.initialSavepointPath) && self.initialSavepointPath != '')",message="a new spec.job.savepointRedeployNonce redeploys from spec.job.initialSavepointPath, which is empty: set it",fieldPath=".initialSavepointPath"

// JobSpec describes the job of an application cluster.
type JobSpec struct {
	// JarURI of the job jar, for example local:///opt/flink/usrlib/job.jar.
	// The operator may narrow the schemes further (http:// is off by default).
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:XValidation:rule="self.matches('^(?i)(local|file|https?|s3|gs)://')",message="spec.job.jarURI must start with local://, file://, https://, http://, s3:// or gs://"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^(?i)(local|file)://') || self.matches('^(?i)(local|file):///[^?#]*[^/?#]([?#].*)?$')",message="spec.job.jarURI must name a file in the image by its absolute path, with three slashes: local:///opt/flink/usrlib/job.jar"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^(?i)(https?|s3|gs)://') || self.matches('^(?i)(https?|s3|gs)://[^/?#]+/[^?#]*[^/?#]([?#].*)?$')",message="spec.job.jarURI needs a host (https) or bucket (s3, gs) and must name a file, not a folder, for example s3://bucket/jobs/job.jar"
	JarURI string `json:"jarURI,omitempty"`

	// Parallelism of the job; at least 1 unless taskManager.replicas is set.
	// +optional
	// +kubebuilder:validation:Minimum=0
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
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:ExclusiveMinimum=true
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
	// +kubebuilder:validation:Minimum=1
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
	// +kubebuilder:validation:Minimum=1
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
	// +required
	// +kubebuilder:validation:MinLength=1
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
