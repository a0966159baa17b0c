package renderer

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Flink's native client builds the JobManager Deployment and the rest
// Service through decorators that read Flink configuration keys, and the
// reference operator builds its standalone Deployments with the same
// decorators (flink-facts.md §3). The renderer builds these objects itself,
// so it reads the keys and applies them the way the decorators do:
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
//
// The keys are parsed and checked in Go, with Flink's value syntax and error
// messages that name the key. What they ask for goes into the templates'
// input as typed lists and values (input.decorations, #Decorations in
// schemas/input.cue), and the templates build every field from it: the
// Service type, command, args, service accounts, and the tolerations, pull
// secrets, variables and secret volumes (common.#PodDecorations). Only the
// maps whose keys the user chooses (labels, annotations, node selectors)
// stay in Go, as free-form keys must never become CUE labels; overlay.go
// adds them, and the templates' appended lists, after the user's pod
// templates are merged (decorator_apply.go). In native mode Flink creates
// the TaskManager pods itself from the same keys; they are checked here all
// the same, as a bad value breaks those pods too.

const (
	keyRestServiceType        = "kubernetes.rest-service.exposed.type"
	keyRestServiceAnnotations = "kubernetes.rest-service.annotations"
	keyImagePullSecrets       = "kubernetes.container.image.pull-secrets"
	keySecrets                = "kubernetes.secrets"
	keyEnvSecretKeyRef        = "kubernetes.env.secretKeyRef"

	// podIPEnvName is the variable Flink's decorators point at the pod's
	// IP (templates/common/cluster.cue podIPEnv).
	podIPEnvName = "_POD_IP_ADDRESS"
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
		keyRestServiceType, keyRestServiceAnnotations, keyImagePullSecrets, keySecrets, keyEnvSecretKeyRef,
		jobManagerKeys.labels, jobManagerKeys.annotations, jobManagerKeys.nodeSelector, jobManagerKeys.tolerations, jobManagerKeys.serviceAccount,
		taskManagerKeys.labels, taskManagerKeys.annotations, taskManagerKeys.nodeSelector, taskManagerKeys.tolerations, taskManagerKeys.serviceAccount,
		keyEntryPath, keyFlinkLogDir, keyJobManagerEntrypointArgs, keyHostNetwork,
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

// flinkDecorations is what the keys ask for, parsed and checked. nil means
// that no key is set, and its methods then do nothing.
type flinkDecorations struct {
	// restServiceType is the rest Service's type; empty keeps the
	// template's (ClusterIP, the key's default).
	restServiceType        string
	restServiceHeadless    bool
	restServiceAnnotations map[string]string
	jobManager             processDecorations
	taskManager            processDecorations
	imagePullSecrets       []string
	// secretVolumes are sorted by secret name.
	secretVolumes []secretVolume
	secretEnv     []secretEnvVar
	// start is how the main containers start (flinkstart.go).
	start startDecorations
	// standaloneJobManager: in standalone mode the reference operator puts
	// kubernetes.jobmanager.labels over the JobManager's selector labels
	// (StandaloneKubernetesJobManagerParameters#getLabels), so one that
	// changes them gives pods the Deployment does not select: an error.
	standaloneJobManager bool
}

type processDecorations struct {
	labels, annotations, nodeSelector map[string]string
	// labelOrigins says which key gave each label, for errors.
	labelOrigins map[string]origin
	tolerations  []toleration
	// env is sorted by name.
	env []envVar
	// serviceAccount replaces the pod's service account when set.
	serviceAccount string
}

// origin is the configuration key and value something was read from.
type origin struct{ key, value string }

// The types below go into the templates' input as they are (#Decorations
// in schemas/input.cue); the json tags name the CUE fields.

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secretVolume struct {
	Secret    string `json:"secret"`
	Volume    string `json:"volume"`
	MountPath string `json:"mountPath"`
	// from is where the secret was given, for errors.
	from origin
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

// parseFlinkDecorations reads the keys from the user's configuration.
// yamlFirst says whether Flink reads values as YAML first (config.yaml,
// Flink 2.x); it is only asked when a key is set.
func parseFlinkDecorations(config map[string]string, yamlFirst func() bool, standalone bool) (*flinkDecorations, field.ErrorList) {
	if !usesFlinkDecorators(config) {
		return nil, nil
	}
	// The parser works on its own copy: the caller's map then stays off
	// the heap in the common case (no key set), which renders measure.
	own := make(map[string]string, len(config))
	for k, v := range config {
		own[k] = v
	}
	p := &decoratorParser{config: own, yamlFirst: yamlFirst()}
	d := &flinkDecorations{standaloneJobManager: standalone}
	d.restServiceType, d.restServiceHeadless = p.serviceType()
	d.restServiceAnnotations, _ = p.mapOption(keyRestServiceAnnotations, formMap, annotationProblem)
	d.jobManager = p.process(jobManagerKeys, podIPEnvName)
	d.taskManager = p.process(taskManagerKeys, "")
	d.imagePullSecrets = p.pullSecrets()
	d.secretVolumes = p.secretVolumes()
	d.secretEnv = p.secretEnv()
	d.start = p.start()
	return d, p.errs
}

// fillInput passes what the templates place into their input: the
// decorations, and each process's service account (spec.serviceAccount
// unless a key names another).
func (d *flinkDecorations) fillInput(in *templateInput) {
	if d == nil {
		return
	}
	in.Decorations = &decorationsInput{
		RestServiceType:     d.restServiceType,
		RestServiceHeadless: d.restServiceHeadless,
		EntryPath:           d.start.entryPath,
		JobManagerArgs:      d.start.jobManagerArgs,
		LogDir:              d.start.logDir,
		ImagePullSecrets:    d.imagePullSecrets,
		Secrets:             d.secretVolumes,
		SecretEnv:           d.secretEnv,
		JobManager:          processDecorationsInput{Tolerations: d.jobManager.tolerations, Env: d.jobManager.env},
		TaskManager:         processDecorationsInput{Tolerations: d.taskManager.tolerations, Env: d.taskManager.env},
	}
	if d.jobManager.serviceAccount != "" {
		in.JobManager.ServiceAccount = d.jobManager.serviceAccount
	}
	if d.taskManager.serviceAccount != "" {
		in.TaskManager.ServiceAccount = d.taskManager.serviceAccount
	}
}
