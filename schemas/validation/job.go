package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

var (
	jobStates    = []v1beta1.JobState{v1beta1.JobStateRunning, v1beta1.JobStateSuspended}
	upgradeModes = []v1beta1.UpgradeMode{v1beta1.UpgradeModeStateless, v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState}
)

// validateJob checks spec.job of an application cluster.
func validateJob(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings, opts Options) field.ErrorList {
	job := fd.Spec.Job
	if job == nil {
		return nil
	}
	var errs field.ErrorList
	path := field.NewPath("spec", "job")
	// Flink's native application deploy runs the one jar in pipeline.jars;
	// the standalone entrypoint also finds a jar in the image's usrlib or
	// on its classpath, as in the reference operator.
	switch {
	case job.JarURI == "" && modeOf(&fd.Spec) == v1beta1.ModeNative:
		errs = append(errs, field.Required(path.Child("jarURI"), "the job jar, for example local:///opt/flink/usrlib/job.jar: "+
			"native mode deploys exactly one jar (Flink's pipeline.jars); mode: standalone can run a jar already in the image's usrlib or classpath"))
	case job.JarURI != "":
		if err := validateJarURI(path.Child("jarURI"), job.JarURI, opts); err != nil {
			errs = append(errs, err)
		}
	}
	tmReplicas := fd.Spec.TaskManager != nil && fd.Spec.TaskManager.Replicas != nil
	switch {
	case !tmReplicas && job.Parallelism < 1:
		errs = append(errs, field.Invalid(path.Child("parallelism"), job.Parallelism, "must be at least 1 (or set spec.taskManager.replicas)"))
	case job.Parallelism < 0:
		errs = append(errs, field.Invalid(path.Child("parallelism"), job.Parallelism, "must not be negative; with spec.taskManager.replicas set the parallelism is replicas × task slots, so it may be left out"))
	}
	if !contains(jobStates, job.State) {
		errs = append(errs, field.NotSupported(path.Child("state"), job.State, jobStates))
	}
	if !contains(upgradeModes, job.UpgradeMode) {
		errs = append(errs, field.NotSupported(path.Child("upgradeMode"), job.UpgradeMode, upgradeModes))
	}
	if ha := config.HA; job.UpgradeMode == v1beta1.UpgradeModeLastState && !ha.Kubernetes() {
		detail := "needs Kubernetes high availability (flinkConfiguration high-availability.type: kubernetes): its metadata is how a new JobManager finds the latest checkpoint"
		if ha.Enabled() {
			detail += "; " + ha.Key + " is " + ha.Text
		}
		errs = append(errs, field.Invalid(path.Child("upgradeMode"), job.UpgradeMode, detail))
	}
	errs = append(errs, validateStateDirectories(fd, config)...)
	return errs
}
