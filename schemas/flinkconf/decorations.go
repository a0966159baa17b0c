package flinkconf

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Flink's native client builds the JobManager Deployment and the rest
// Service through decorators that read Flink configuration keys, and the
// reference operator builds its standalone Deployments with the same
// decorators (flink-facts.md §3). The renderer builds these objects itself,
// so these keys are read here, with Flink's value syntax (values.go), and
// checked the way Kubernetes would check what they become:
//
//   - ExternalServiceDecorator / ServiceType: the <name>-rest Service gets
//     kubernetes.rest-service.exposed.type (an enum, read ignoring case;
//     Headless_ClusterIP is type ClusterIP with clusterIP None) and
//     kubernetes.rest-service.annotations.
//   - InitJobManagerDecorator, InitStandaloneTaskManagerDecorator and the
//     Deployment factories: kubernetes.{jobmanager,taskmanager}.labels go on
//     the Deployment and its pods, under Flink's own labels (app, component,
//     type) and ours (app.kubernetes.io/managed-by); .annotations go on the
//     Deployment and its pods; .node-selector and .tolerations and
//     kubernetes.container.image.pull-secrets are added to the pod, and
//     containerized.master.env.<NAME> / containerized.taskmanager.env.<NAME>
//     to the main container's environment. All of them win over the user's
//     pod templates, which Flink decorates.
//   - EnvSecretsDecorator and MountSecretsDecorator: kubernetes.env.secretKeyRef
//     adds variables from secret keys and kubernetes.secrets mounts each
//     secret, as volume <secret>-volume, into the main container of both.
//   - the start keys (start.go).
//
// In native mode Flink creates the TaskManager pods itself from the same
// keys; they are read and checked all the same, as a bad value breaks those
// pods too. renderer/flinkdecorators.go says where the renderer puts them.

const (
	KeyRestServiceType        = "kubernetes.rest-service.exposed.type"
	KeyRestServiceAnnotations = "kubernetes.rest-service.annotations"
	KeyImagePullSecrets       = "kubernetes.container.image.pull-secrets"
	KeySecrets                = "kubernetes.secrets"
	KeyEnvSecretKeyRef        = "kubernetes.env.secretKeyRef"

	// PodIPEnvName is the variable Flink's decorators point at the pod's
	// IP (templates/common/cluster.cue podIPEnv); the keys may not set it.
	PodIPEnvName = "_POD_IP_ADDRESS"
)

// processKeys are the keys for one kind of Flink process.
type processKeys struct {
	labels, annotations, nodeSelector, tolerations, serviceAccount string
	// envPrefix + NAME sets the variable NAME.
	envPrefix string
}

var (
	jobManagerKeys = processKeys{
		labels:         "kubernetes.jobmanager.labels",
		annotations:    "kubernetes.jobmanager.annotations",
		nodeSelector:   "kubernetes.jobmanager.node-selector",
		tolerations:    "kubernetes.jobmanager.tolerations",
		serviceAccount: "kubernetes.jobmanager.service-account",
		envPrefix:      "containerized.master.env.",
	}
	taskManagerKeys = processKeys{
		labels:         "kubernetes.taskmanager.labels",
		annotations:    "kubernetes.taskmanager.annotations",
		nodeSelector:   "kubernetes.taskmanager.node-selector",
		tolerations:    "kubernetes.taskmanager.tolerations",
		serviceAccount: "kubernetes.taskmanager.service-account",
		envPrefix:      "containerized.taskmanager.env.",
	}
	// decoratorOptions are the keys above that are not prefixes.
	decoratorOptions = []string{
		KeyRestServiceType, KeyRestServiceAnnotations, KeyImagePullSecrets, KeySecrets, KeyEnvSecretKeyRef,
		jobManagerKeys.labels, jobManagerKeys.annotations, jobManagerKeys.nodeSelector, jobManagerKeys.tolerations, jobManagerKeys.serviceAccount,
		taskManagerKeys.labels, taskManagerKeys.annotations, taskManagerKeys.nodeSelector, taskManagerKeys.tolerations, taskManagerKeys.serviceAccount,
		KeyEntryPath, KeyFlinkLogDir, KeyJobManagerEntrypointArgs, KeyHostNetwork,
	}
)

// The forms of the values, for error messages.
const (
	formMap          = "<key>:<value>[,<key>:<value>...]"
	formSecrets      = "<secret name>:<mount path>[,...]"
	formTolerations  = "key:<key>,operator:<Equal|Exists>,value:<value>,effect:<NoSchedule|PreferNoSchedule|NoExecute>[,tolerationSeconds:<seconds>][;...]"
	formSecretKeyRef = "env:<variable>,secret:<secret name>,key:<key in the secret>[;...]"
	formPullSecrets  = "<secret name>[;<secret name>...]"
	formServiceType  = "one of ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP"
)

// Decorations are what the keys ask for, parsed and checked. Settings hold
// nil when no key is set.
type Decorations struct {
	// RestServiceType is the rest Service's type; empty keeps the
	// template's (ClusterIP, the key's default).
	RestServiceType        string
	RestServiceHeadless    bool
	RestServiceAnnotations map[string]string
	JobManager             ProcessDecorations
	TaskManager            ProcessDecorations
	ImagePullSecrets       []string
	// SecretVolumes are sorted by secret name.
	SecretVolumes []SecretVolume
	SecretEnv     []SecretEnvVar
	// Start is how the main containers start (start.go).
	Start Start

	// Errs are the values that do not parse, each on its key. They are
	// not among Parse's errors: the renderer reports them after the
	// validation rules and the resource errors, the order in which users
	// (and the invalid cases' # want: lines) have always seen them. A
	// field whose value has an error holds its zero value.
	Errs field.ErrorList
}

// ProcessDecorations are the keys of one kind of Flink process.
type ProcessDecorations struct {
	Labels, Annotations, NodeSelector map[string]string
	// LabelOrigins says which key gave each label, for errors.
	LabelOrigins map[string]Origin
	Tolerations  []Toleration
	// Env is sorted by name.
	Env []EnvVar
	// ServiceAccount replaces the pod's service account when set.
	ServiceAccount string
}

// Origin is the configuration key and value something was read from.
type Origin struct{ Key, Value string }

// EnvVar is a variable of containerized.<process>.env.<NAME>.
type EnvVar struct{ Name, Value string }

// SecretVolume is a secret of kubernetes.secrets and where it is mounted.
type SecretVolume struct {
	Secret, Volume, MountPath string
	// From is where the secret was given, for errors.
	From Origin
}

// SecretEnvVar is an item of kubernetes.env.secretKeyRef.
type SecretEnvVar struct{ Name, Secret, Key string }

// Toleration has the fields the user gave, and only those.
type Toleration struct {
	Key, Operator, Value, Effect *string
	TolerationSeconds            *int64
}

// usesFlinkDecorators reports whether any of the keys is set; it keeps the
// common case, none, to one pass over the user's keys.
func usesFlinkDecorators(config map[string]string) bool {
	for k := range config {
		switch {
		case strings.HasPrefix(k, "containerized."):
			if strings.HasPrefix(k, jobManagerKeys.envPrefix) || strings.HasPrefix(k, taskManagerKeys.envPrefix) {
				return true
			}
		case strings.HasPrefix(k, "kubernetes."):
			for _, opt := range decoratorOptions {
				if strings.HasPrefix(k, opt) && (len(k) == len(opt) || k[len(opt)] == '.') {
					return true
				}
			}
		}
	}
	return false
}

// readDecorations reads the keys; nil when none is set. yamlFirst says
// whether the version reads values as YAML first (config.yaml, Flink 2.x).
func readDecorations(raw map[string]string, yamlFirst bool) *Decorations {
	if !usesFlinkDecorators(raw) {
		return nil
	}
	p := &decoratorParser{config: raw, yamlFirst: yamlFirst}
	d := &Decorations{}
	d.RestServiceType, d.RestServiceHeadless = p.serviceType()
	d.RestServiceAnnotations, _ = p.mapOption(KeyRestServiceAnnotations, formMap, annotationProblem)
	d.JobManager = p.process(jobManagerKeys, PodIPEnvName)
	d.TaskManager = p.process(taskManagerKeys, "")
	d.ImagePullSecrets = p.pullSecrets()
	d.SecretVolumes = p.secretVolumes()
	d.SecretEnv = p.secretEnv()
	d.Start = p.start()
	d.Errs = p.errs
	return d
}
