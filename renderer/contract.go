package renderer

import "cuelang.org/go/cue"

// The contract between Go and the CUE templates. Every template package
// (templates/<mode>) reads input and version and writes output in this shape.
var (
	pathInput   = cue.ParsePath("input")
	pathVersion = cue.ParsePath("version")
	pathOutput  = cue.ParsePath("output")
	// pathArtifact takes an artifactInput when the job's jar is fetched
	// (templates/common/artifact.cue).
	pathArtifact = cue.ParsePath("artifact")

	// Below output, the parts decode.go reads on their own; both are there
	// only for some specs.
	pathTaskManagerPodTemplate = cue.ParsePath("podTemplates.taskManager")
	pathDecorations            = cue.ParsePath("decorations")

	// pathVersionTable is the version table in versionsPackage, keyed by
	// flinkVersion; an entry fills version.
	pathVersionTable = cue.ParsePath("table")
)

// contractPaths are the paths above, for the test that checks them against
// the templates.
var contractPaths = []cue.Path{pathInput, pathVersion, pathOutput, pathArtifact, pathTaskManagerPodTemplate, pathDecorations, pathVersionTable}

// versionsPackage holds the version table.
const versionsPackage = "./templates/versions"

// templateOutput mirrors output in templates/<mode>/output.cue; decode.go
// reads it (the json tags name the CUE fields).
type templateOutput struct {
	Objects      []map[string]any `json:"objects"`
	FlinkConfig  flinkConfigPlan  `json:"flinkConfig"`
	PodTemplates struct {
		TaskManager *taskManagerPodTemplate `json:"taskManager"`
	} `json:"podTemplates"`
	// Decorations are common.#PodDecorations by process (jobManager,
	// taskManager), when input.decorations is set; overlay.go adds them
	// after the user's pod templates.
	Decorations map[string]any `json:"decorations"`
}

// flinkConfigPlan says where the Flink configuration file goes and which
// keys the spec decides; Go merges it with the user's keys. Decoding is
// also what checks that the templates wrote strings
// (templates/common/cluster.cue leaves the maps open for speed).
type flinkConfigPlan struct {
	ConfigMap string            `json:"configMap"`
	File      string            `json:"file"`
	Format    string            `json:"format"`
	Defaults  map[string]string `json:"defaults"`
	Overrides map[string]string `json:"overrides"`
}

// taskManagerPodTemplate is the native-mode TaskManager pod template, written
// as a file into a ConfigMap that the JobManager reads.
type taskManagerPodTemplate struct {
	ConfigMap string         `json:"configMap"`
	File      string         `json:"file"`
	Pod       map[string]any `json:"pod"`
}

// templateInput mirrors #Input in schemas/input.cue.
type templateInput struct {
	Name                       string            `json:"name"`
	Namespace                  string            `json:"namespace"`
	Image                      string            `json:"image"`
	ImagePullPolicy            string            `json:"imagePullPolicy"`
	ServiceAccount             string            `json:"serviceAccount"`
	HighAvailability           bool              `json:"highAvailability"`
	KubernetesHighAvailability bool              `json:"kubernetesHighAvailability,omitempty"`
	HAStorageDir               string            `json:"haStorageDir,omitempty"`
	TaskSlots                  int64             `json:"taskSlots"`
	LogConfiguration           map[string]string `json:"logConfiguration"`
	JobManager                 processInput      `json:"jobManager"`
	TaskManager                processInput      `json:"taskManager"`
	JobManagerMountsUserLib    bool              `json:"jobManagerMountsUserLib,omitempty"`
	RESTTLS                    string            `json:"restTLS,omitempty"`
	Job                        *jobInput         `json:"job,omitempty"`
	Decorations                *decorationsInput `json:"decorations,omitempty"`
	Ingress                    *ingressInput     `json:"ingress,omitempty"`
}

type processInput struct {
	ServiceAccount     string             `json:"serviceAccount"`
	MemoryProcessSize  string             `json:"memoryProcessSize,omitempty"`
	CPU                string             `json:"cpu,omitempty"`
	MemoryLimitFactor  string             `json:"memoryLimitFactor,omitempty"`
	CPULimitFactor     string             `json:"cpuLimitFactor,omitempty"`
	ContainerResources containerResources `json:"containerResources"`
	// Replicas: always for the JobManager, for TaskManagers only when
	// spec.taskManager.replicas is given.
	Replicas int32 `json:"replicas,omitempty"`
}

type containerResources struct {
	Requests map[string]string `json:"requests,omitempty"`
	Limits   map[string]string `json:"limits,omitempty"`
}

type jobInput struct {
	JarURI                string   `json:"jarURI,omitempty"`
	Parallelism           int64    `json:"parallelism"`
	MaxVertexParallelism  int64    `json:"maxVertexParallelism,omitempty"`
	EntryClass            string   `json:"entryClass,omitempty"`
	Args                  []string `json:"args"`
	ProgramArgs           string   `json:"programArgs,omitempty"`
	UpgradeMode           string   `json:"upgradeMode"`
	State                 string   `json:"state"`
	RestorePath           string   `json:"restorePath,omitempty"`
	AllowNonRestoredState *bool    `json:"allowNonRestoredState,omitempty"`
	JobID                 string   `json:"jobID,omitempty"`
}

// decorationsInput mirrors #Decorations in schemas/input.cue.
type decorationsInput struct {
	RestServiceType     string                  `json:"restServiceType,omitempty"`
	RestServiceHeadless bool                    `json:"restServiceHeadless,omitempty"`
	EntryPath           string                  `json:"entryPath,omitempty"`
	JobManagerArgs      string                  `json:"jobManagerArgs,omitempty"`
	LogDir              *string                 `json:"logDir,omitempty"`
	ImagePullSecrets    []string                `json:"imagePullSecrets,omitempty"`
	Secrets             []secretVolume          `json:"secrets,omitempty"`
	SecretEnv           []secretEnvVar          `json:"secretEnv,omitempty"`
	JobManager          processDecorationsInput `json:"jobManager"`
	TaskManager         processDecorationsInput `json:"taskManager"`
}

// processDecorationsInput mirrors #ProcessDecorations in schemas/input.cue.
type processDecorationsInput struct {
	Tolerations []toleration `json:"tolerations,omitempty"`
	Env         []envVar     `json:"env,omitempty"`
}

// The items of the decorations' lists (flinkconf's types, with the names
// of the CUE fields).

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secretVolume struct {
	Secret    string `json:"secret"`
	Volume    string `json:"volume"`
	MountPath string `json:"mountPath"`
}

type secretEnvVar struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
	Key    string `json:"key"`
}

// toleration has the fields the user gave, and only those.
type toleration struct {
	Key               *string `json:"key,omitempty"`
	Operator          *string `json:"operator,omitempty"`
	Value             *string `json:"value,omitempty"`
	Effect            *string `json:"effect,omitempty"`
	TolerationSeconds *int64  `json:"tolerationSeconds,omitempty"`
}

// ingressInput mirrors #Ingress in schemas/input.cue.
type ingressInput struct {
	Host      string       `json:"host,omitempty"`
	Path      string       `json:"path,omitempty"`
	ClassName string       `json:"className,omitempty"`
	TLS       []ingressTLS `json:"tls,omitempty"`
}

type ingressTLS struct {
	Hosts      []string `json:"hosts,omitempty"`
	SecretName string   `json:"secretName,omitempty"`
}
