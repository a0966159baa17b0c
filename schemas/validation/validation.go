// Package validation checks a defaulted FlinkDeployment before anything is
// rendered or applied. Every error names the field path, the bad value and
// what is allowed (k8s.io/apimachinery field errors), so the same messages
// serve flink-render, the operator's status and admission.
//
// The rules are the reference operator's validator (apache-operator.md §7)
// plus what Flink itself would only reject at start-up. Rules about memory
// and cpu amounts live with the code that resolves them (renderer), so each
// problem is reported once.
//
// The package holds rules only: spec.flinkConfiguration arrives read, as
// flinkconf.Settings, and a value that does not parse is flinkconf.Parse's
// error, not a rule's. A rule never fires on such a value, since its typed
// field holds the default.
package validation

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// Options are the operator's settings that change what is valid.
type Options struct {
	// AllowHTTPArtifacts accepts http:// job jars. Off by default: a jar
	// fetched without TLS can be swapped in transit.
	AllowHTTPArtifacts bool
	// Schemes are the remote jar schemes the operator accepts
	// (--artifact-schemes, the reference's
	// kubernetes.operator.user.artifacts.allowed-schemes): a subset of
	// FetchedJarSchemes. nil accepts them all.
	Schemes []string
}

// MaxNameLength is the longest metadata.name: Flink derives longer object
// names from it (the reference operator's rule).
const MaxNameLength = 45

// namePattern is the reference operator's rule: a DNS label of at most 45
// characters, because Flink derives longer object names from it.
var namePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$`)

// forbiddenConfigKeys are set by the operator from metadata; a user value
// would split the cluster's identity.
var forbiddenConfigKeys = []string{"kubernetes.cluster-id", "kubernetes.namespace", "high-availability.cluster-id"}

// allowedLogFiles are the only files Flink reads from the log configuration.
var allowedLogFiles = []string{"log4j-console.properties", "logback-console.xml"}

var (
	deploymentModes   = []v1beta1.DeploymentMode{v1beta1.ModeNative, v1beta1.ModeStandalone}
	imagePullPolicies = []string{"Always", "IfNotPresent", "Never"}
)

// Validate checks a FlinkDeployment that has been through Default, with the
// default Options. config is its spec.flinkConfiguration as flinkconf.Parse
// read it (never nil); the values that do not parse are Parse's errors, not
// these.
func Validate(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings) field.ErrorList {
	return ValidateWithOptions(fd, config, Options{})
}

// ValidateWithOptions is Validate with the operator's settings.
func ValidateWithOptions(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings, opts Options) field.ErrorList {
	var errs field.ErrorList
	metaErrs := validateMetadata(fd)
	errs = append(errs, metaErrs...)
	spec := field.NewPath("spec")
	s := &fd.Spec

	if s.Mode != nil && !contains(deploymentModes, *s.Mode) {
		errs = append(errs, field.NotSupported(spec.Child("mode"), *s.Mode, deploymentModes))
	}
	errs = append(errs, validateFlinkVersion(fd, config)...)
	if s.Image == "" {
		errs = append(errs, field.Required(spec.Child("image"), "the Flink container image, for example flink:1.20"))
	}
	if s.ImagePullPolicy != "" && !contains(imagePullPolicies, s.ImagePullPolicy) {
		errs = append(errs, field.NotSupported(spec.Child("imagePullPolicy"), s.ImagePullPolicy, imagePullPolicies))
	}
	if s.ServiceAccount == "" {
		errs = append(errs, field.Required(spec.Child("serviceAccount"), "the service account Flink pods run as (it needs rights to manage pods and ConfigMaps in native mode)"))
	}
	errs = append(errs, validateIngress(fd, len(metaErrs) == 0)...)
	for _, key := range forbiddenConfigKeys {
		if config.Has(key) {
			errs = append(errs, field.Forbidden(configPath(key), "is set by the operator from metadata.name and metadata.namespace; remove it"))
		}
	}
	for _, name := range sortedKeys(s.LogConfiguration) {
		if !contains(allowedLogFiles, name) {
			errs = append(errs, field.NotSupported(spec.Child("logConfiguration").Key(name), name, allowedLogFiles))
		}
	}
	errs = append(errs, validateHighAvailability(config)...)
	errs = append(errs, validateOperatorConfig(config)...)
	errs = append(errs, validateAutoscaler(config)...)
	errs = append(errs, validateRESTPort(config)...)
	errs = append(errs, validateSavepointFormat(s.FlinkVersion, config)...)
	errs = append(errs, validateJob(fd, config, opts)...)
	errs = append(errs, validateJobManager(fd, config)...)
	errs = append(errs, validateTaskManager(fd)...)
	return errs
}

// validateFlinkVersion checks spec.flinkVersion against the deployment
// mode: standalone mode runs every supported version, native mode those
// the version table allows it for.
func validateFlinkVersion(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings) field.ErrorList {
	path := field.NewPath("spec", "flinkVersion")
	v := fd.Spec.FlinkVersion
	mode := modeOf(&fd.Spec)
	switch {
	case v == "":
		return field.ErrorList{field.Required(path, "the Flink version of the image; one of "+strings.Join(versionNames(versions.ForMode(mode)), ", "))}
	case !v.IsSupported():
		// List what this mode accepts: in native mode the versions only
		// standalone mode runs would be no answer.
		return field.ErrorList{field.NotSupported(path, v, versionNames(versions.ForMode(mode)))}
	case mode == v1beta1.ModeNative && !nativeMode(v):
		return field.ErrorList{field.Invalid(path, v, fmt.Sprintf("native mode needs %s or newer (Flink's TaskManager pod templates arrived in 1.13); run Flink %s in mode: standalone", versions.ForMode(v1beta1.ModeNative)[0], flinkRelease(v)))}
	case !kubernetesHAServices(v) && config.HA.Kubernetes():
		return field.ErrorList{field.Invalid(configPath(config.HA.Key), config.HA.Text, fmt.Sprintf("Kubernetes high availability needs Flink 1.12 or newer (FLIP-144), and spec.flinkVersion is %s", v))}
	}
	return nil
}

// modeOf is spec.mode with its default.
func modeOf(s *v1beta1.FlinkDeploymentSpec) v1beta1.DeploymentMode {
	if s.Mode == nil || *s.Mode == "" {
		return v1beta1.DefaultMode
	}
	return *s.Mode
}

func nativeMode(v v1beta1.FlinkVersion) bool {
	facts, ok := versions.For(v)
	return ok && facts.NativeMode
}

// flinkRelease turns v1_12 into 1.12.
func flinkRelease(v v1beta1.FlinkVersion) string {
	return strings.ReplaceAll(strings.TrimPrefix(string(v), "v"), "_", ".")
}

func validateMetadata(fd *v1beta1.FlinkDeployment) field.ErrorList {
	var errs field.ErrorList
	meta := field.NewPath("metadata")
	switch name := fd.Name; {
	case name == "":
		errs = append(errs, field.Required(meta.Child("name"), "the name of the FlinkDeployment, which is also Flink's cluster id"))
	case len(name) > MaxNameLength:
		errs = append(errs, field.Invalid(meta.Child("name"), name, fmt.Sprintf("must be at most %d characters (it has %d): Flink derives longer object names from it", MaxNameLength, len(name))))
	case !namePattern.MatchString(name):
		errs = append(errs, field.Invalid(meta.Child("name"), name, "must be lower-case letters, digits and '-', start with a letter and end with a letter or digit"))
	}
	if fd.Namespace == "" {
		errs = append(errs, field.Required(meta.Child("namespace"), ""))
	}
	return errs
}

func validateJobManager(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings) field.ErrorList {
	jm := fd.Spec.JobManager
	if jm == nil || jm.Replicas == nil {
		return nil
	}
	path := field.NewPath("spec", "jobManager", "replicas")
	switch r := *jm.Replicas; {
	case r < 1:
		return field.ErrorList{field.Invalid(path, r, "must be at least 1")}
	case r > 1 && !config.HA.Enabled():
		return field.ErrorList{field.Invalid(path, r, "more than one JobManager needs high availability (flinkConfiguration high-availability.type: kubernetes)")}
	}
	return nil
}

func validateTaskManager(fd *v1beta1.FlinkDeployment) field.ErrorList {
	tm := fd.Spec.TaskManager
	if tm != nil && tm.Replicas != nil && *tm.Replicas < 1 {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "taskManager", "replicas"), *tm.Replicas, "must be at least 1")}
	}
	return nil
}

// configPath is the field path of one flattened Flink configuration key.
func configPath(key string) *field.Path { return flinkconf.Path(key) }

func versionNames(list []v1beta1.FlinkVersion) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Describe is a short form of an error list for one-line contexts.
func Describe(errs field.ErrorList) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// sortedKeys gives map keys in a fixed order, so errors come out the same
// way every run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kubernetesHAServices reports whether Flink version v has Kubernetes HA
// services (FLIP-144, 1.12).
func kubernetesHAServices(v v1beta1.FlinkVersion) bool {
	facts, ok := versions.For(v)
	return ok && facts.KubernetesHA
}
