// Package validation checks a defaulted FlinkDeployment before anything is
// rendered or applied. Every error names the field path, the bad value and
// what is allowed (k8s.io/apimachinery field errors), so the same messages
// serve flink-render, the operator's status and admission.
package validation

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/memsize"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// namePattern is the reference operator's rule: a DNS label of at most 45
// characters, because Flink derives longer object names from it.
var namePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$`)

// forbiddenConfigKeys are set by the operator from metadata; a user value
// would split the cluster's identity.
var forbiddenConfigKeys = []string{"kubernetes.cluster-id", "kubernetes.namespace", "high-availability.cluster-id"}

// allowedLogFiles are the only files Flink reads from the log configuration.
var allowedLogFiles = []string{"log4j-console.properties", "logback-console.xml"}

// Validate checks a FlinkDeployment that has been through Default.
// config is spec.flinkConfiguration flattened (see ConfigObject.Flatten).
func Validate(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	var errs field.ErrorList
	metaErrs := validateMetadata(fd)
	errs = append(errs, metaErrs...)
	spec := field.NewPath("spec")
	s := &fd.Spec

	errs = append(errs, validateFlinkVersion(fd, config)...)
	if s.Image == "" {
		errs = append(errs, field.Required(spec.Child("image"), "the Flink container image, for example flink:1.20"))
	}
	if s.ServiceAccount == "" {
		errs = append(errs, field.Required(spec.Child("serviceAccount"), "the service account Flink pods run as (it needs rights to manage pods and ConfigMaps in native mode)"))
	}
	errs = append(errs, validateIngress(fd, len(metaErrs) == 0)...)
	for _, key := range forbiddenConfigKeys {
		if _, ok := config[key]; ok {
			errs = append(errs, field.Forbidden(spec.Child("flinkConfiguration").Key(key), "is set by the operator from metadata.name and metadata.namespace; remove it"))
		}
	}
	for name := range s.LogConfiguration {
		if !contains(allowedLogFiles, name) {
			errs = append(errs, field.NotSupported(spec.Child("logConfiguration").Key(name), name, allowedLogFiles))
		}
	}
	errs = append(errs, validateJob(fd, config)...)
	errs = append(errs, validateJobManager(fd, config)...)
	errs = append(errs, validateTaskManager(fd, config)...)
	return errs
}

// validateFlinkVersion checks spec.flinkVersion against the deployment
// mode: standalone mode runs every supported version, native mode needs
// MinNativeFlinkVersion or newer.
func validateFlinkVersion(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	path := field.NewPath("spec", "flinkVersion")
	v := fd.Spec.FlinkVersion
	mode := v1beta1.DefaultMode
	if fd.Spec.Mode != nil {
		mode = *fd.Spec.Mode
	}
	switch {
	case v == "":
		return field.ErrorList{field.Required(path, "the Flink version of the image; one of "+v1beta1.AllowedFlinkVersionsFor(mode))}
	case !v.IsSupported():
		// List what this mode accepts: in native mode the versions only
		// standalone mode runs would be no answer.
		return field.ErrorList{field.NotSupported(path, v, versionNames(v1beta1.FlinkVersionsFor(mode)))}
	case mode == v1beta1.ModeNative && !v.AtLeast(v1beta1.MinNativeFlinkVersion):
		return field.ErrorList{field.Invalid(path, v, fmt.Sprintf("native mode needs %s or newer (Flink's TaskManager pod templates arrived in 1.13); run Flink %s in mode: standalone", v1beta1.MinNativeFlinkVersion, flinkRelease(v)))}
	case !v.AtLeast("v1_12") && HighAvailabilityType(config) == "kubernetes":
		key := "high-availability.type"
		if _, ok := config[key]; !ok {
			key = "high-availability"
		}
		return field.ErrorList{field.Invalid(field.NewPath("spec", "flinkConfiguration").Key(key), config[key], fmt.Sprintf("Kubernetes high availability needs Flink 1.12 or newer (FLIP-144), and spec.flinkVersion is %s", v))}
	}
	return nil
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
		errs = append(errs, field.Required(meta.Child("name"), ""))
	case len(name) > 45:
		errs = append(errs, field.TooLong(meta.Child("name"), name, 45))
	case !namePattern.MatchString(name):
		errs = append(errs, field.Invalid(meta.Child("name"), name, "must be lower-case letters, digits and '-', start with a letter and end with a letter or digit"))
	}
	if fd.Namespace == "" {
		errs = append(errs, field.Required(meta.Child("namespace"), ""))
	}
	return errs
}

func validateJob(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	job := fd.Spec.Job
	if job == nil {
		return nil
	}
	var errs field.ErrorList
	path := field.NewPath("spec", "job")
	if job.JarURI == "" {
		errs = append(errs, field.Required(path.Child("jarURI"), "the job jar, for example local:///opt/flink/usrlib/job.jar"))
	}
	tmReplicas := fd.Spec.TaskManager != nil && fd.Spec.TaskManager.Replicas != nil
	if !tmReplicas && job.Parallelism < 1 {
		errs = append(errs, field.Invalid(path.Child("parallelism"), job.Parallelism, "must be at least 1 (or set spec.taskManager.replicas)"))
	}
	if job.State != v1beta1.JobStateRunning && job.State != v1beta1.JobStateSuspended {
		errs = append(errs, field.NotSupported(path.Child("state"), job.State, []v1beta1.JobState{v1beta1.JobStateRunning, v1beta1.JobStateSuspended}))
	}
	modes := []v1beta1.UpgradeMode{v1beta1.UpgradeModeStateless, v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState}
	if !contains(modes, job.UpgradeMode) {
		errs = append(errs, field.NotSupported(path.Child("upgradeMode"), job.UpgradeMode, modes))
	}
	return errs
}

func validateJobManager(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	jm := fd.Spec.JobManager
	path := field.NewPath("spec", "jobManager")
	var errs field.ErrorList
	if jm.Replicas != nil && *jm.Replicas < 1 {
		errs = append(errs, field.Invalid(path.Child("replicas"), *jm.Replicas, "must be at least 1"))
	}
	if jm.Replicas != nil && *jm.Replicas > 1 && !HighAvailabilityEnabled(config) {
		errs = append(errs, field.Invalid(path.Child("replicas"), *jm.Replicas, "more than one JobManager needs high availability (flinkConfiguration high-availability.type: kubernetes)"))
	}
	errs = append(errs, validateResources(path, jm.Resource, jm.Resources != nil, config, "jobmanager.memory.process.size")...)
	return errs
}

func validateTaskManager(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	tm := fd.Spec.TaskManager
	path := field.NewPath("spec", "taskManager")
	var errs field.ErrorList
	if tm.Replicas != nil && *tm.Replicas < 1 {
		errs = append(errs, field.Invalid(path.Child("replicas"), *tm.Replicas, "must be at least 1"))
	}
	errs = append(errs, validateResources(path, tm.Resource, tm.Resources != nil, config, "taskmanager.memory.process.size")...)
	return errs
}

func validateResources(path *field.Path, legacy *v1beta1.Resource, hasResources bool, config map[string]string, memoryKey string) field.ErrorList {
	var errs field.ErrorList
	if legacy != nil {
		if legacy.Memory != "" {
			if _, err := memsize.Parse(legacy.Memory); err != nil {
				errs = append(errs, field.Invalid(path.Child("resource", "memory"), legacy.Memory, err.Error()))
			}
		}
		if legacy.CPU != nil && *legacy.CPU <= 0 {
			errs = append(errs, field.Invalid(path.Child("resource", "cpu"), *legacy.CPU, "must be larger than 0"))
		}
	}
	if v, ok := config[memoryKey]; ok {
		if _, err := memsize.Parse(v); err != nil {
			errs = append(errs, field.Invalid(field.NewPath("spec", "flinkConfiguration").Key(memoryKey), v, err.Error()))
		}
	}
	return errs
}

// HighAvailabilityEnabled reports whether the configuration turns on
// JobManager high availability (any kind). The key was renamed from
// high-availability to high-availability.type; both are read.
func HighAvailabilityEnabled(config map[string]string) bool {
	return HighAvailabilityType(config) != ""
}

// HighAvailabilityType is "kubernetes", "zookeeper", another factory class
// name, or "" when high availability is off.
func HighAvailabilityType(config map[string]string) string {
	v, ok := config["high-availability.type"]
	if !ok {
		v = config["high-availability"]
	}
	switch t := strings.TrimSpace(v); {
	case t == "" || strings.EqualFold(t, "none"):
		return ""
	case strings.EqualFold(t, "kubernetes") || t == "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory":
		return "kubernetes"
	case strings.EqualFold(t, "zookeeper"):
		return "zookeeper"
	default:
		return t
	}
}

func versionNames(versions []v1beta1.FlinkVersion) []string {
	out := make([]string, len(versions))
	for i, v := range versions {
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
	return fmt.Sprint(strings.Join(parts, "; "))
}
