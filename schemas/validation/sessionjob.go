package validation

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// sessionJobImageJar matches the jars a session's JobManager cannot have:
// those inside an application cluster's image.
var sessionJobImageJar = regexp.MustCompile(`^(?i)(local|file)://`)

// ValidateSessionJob checks a FlinkSessionJob, as the admission webhook
// does before it is stored. The CRD's rules refuse most of the same (its
// messages differ: the API server writes them); these run where the CRD's
// do not, such as in front of the Apache operator's CRD, and add what the
// CRD cannot know, the operator's own jar schemes (Options).
//
// Empty job.state and job.upgradeMode are the defaults the CRD fills in.
func ValidateSessionJob(sj *v1beta1.FlinkSessionJob, opts Options) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	switch name := sj.Spec.DeploymentName; {
	case name == "":
		errs = append(errs, field.Required(spec.Child("deploymentName"), "the name of the session FlinkDeployment, in the same namespace, that the job runs on"))
	case !namePattern.MatchString(name):
		errs = append(errs, field.Invalid(spec.Child("deploymentName"), name, "must be a FlinkDeployment's name: at most 45 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"))
	}
	job := sj.Spec.Job
	path := spec.Child("job")
	if job == nil {
		return append(errs, field.Required(path, "the job to submit to the session, at least its jar: job: {jarURI: https://repo.example.com/jobs/job.jar}"))
	}
	switch {
	case job.JarURI == "":
		errs = append(errs, field.Required(path.Child("jarURI"), "the job jar, for example https://repo.example.com/jobs/job.jar: the operator fetches it and uploads it to the session's JobManager"))
	case sessionJobImageJar.MatchString(job.JarURI):
		errs = append(errs, field.Invalid(path.Child("jarURI"), job.JarURI, "a local:// or file:// jar lies in an application cluster's image, and a session's JobManager has none; allowed: "+schemeList(fetchedSchemes(opts))))
	default:
		if err := validateJarURIIn(path.Child("jarURI"), job.JarURI, opts, fetchedSchemes(opts)); err != nil {
			errs = append(errs, err)
		}
	}
	if job.Parallelism < 0 {
		errs = append(errs, field.Invalid(path.Child("parallelism"), job.Parallelism, "must not be negative; 0 or absent takes the session's parallelism.default"))
	}
	if state := job.State; state != "" && !contains(jobStates, state) {
		errs = append(errs, field.NotSupported(path.Child("state"), state, jobStates))
	}
	if mode := job.UpgradeMode; mode != "" && !contains(upgradeModes, mode) {
		errs = append(errs, field.NotSupported(path.Child("upgradeMode"), mode, upgradeModes))
	}
	return append(errs, validateSessionJobConfiguration(spec.Child("flinkConfiguration"), sj.Spec.FlinkConfiguration)...)
}

// validateSessionJobConfiguration checks the job-level configuration the
// run carries: that it reads as keys and values, and the values the
// operator depends on: the checkpoint retention (a value Flink refuses
// would fail every run with "Could not execute application.") and the
// Secret of the pod that fetches an s3 or gs jar (a name the API server
// refuses would fail every fetch pod).
func validateSessionJobConfiguration(path *field.Path, c *v1beta1.ConfigObject) field.ErrorList {
	entries, err := c.Flatten()
	if err != nil {
		return field.ErrorList{field.Invalid(path, "(unreadable)", err.Error())}
	}
	var errs field.ErrorList
	for _, e := range entries {
		value := fmt.Sprint(e.Value)
		switch e.Key {
		case flinkconf.KeyCheckpointRetention:
			if !slices.ContainsFunc(flinkconf.CheckpointRetentions, func(r string) bool { return strings.EqualFold(r, value) }) {
				errs = append(errs, field.NotSupported(path.Key(e.Key), value, flinkconf.CheckpointRetentions))
			}
		case flinkconf.KeyArtifactCredentialsSecret:
			if problems := utilvalidation.IsDNS1123Subdomain(value); len(problems) > 0 {
				errs = append(errs, field.Invalid(path.Key(e.Key), value, "must be the name of a Secret in the FlinkSessionJob's namespace: "+strings.Join(problems, "; ")))
			}
		}
	}
	return errs
}

// ValidateSessionJobTransition checks an update of a FlinkSessionJob
// against the stored one: the session cannot change.
func ValidateSessionJobTransition(old, next *v1beta1.FlinkSessionJob) field.ErrorList {
	if old.Spec.DeploymentName == "" || old.Spec.DeploymentName == next.Spec.DeploymentName {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("spec", "deploymentName"), next.Spec.DeploymentName,
		"cannot change from "+old.Spec.DeploymentName+": the job runs on that session cluster; create a new FlinkSessionJob for another")}
}

// fetchedSchemes are the jar schemes of a session job: those fetched, not
// in an image.
func fetchedSchemes(opts Options) []string {
	var out []string
	for _, s := range JarURISchemes(opts) {
		if !contains(imageJarSchemes, s) {
			out = append(out, s)
		}
	}
	return out
}
