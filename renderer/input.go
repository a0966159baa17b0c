package renderer

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// buildInput reduces a validated, defaulted FlinkDeployment to #Input, and
// to #Artifact when the job's jar is fetched before Flink starts.
func buildInput(fd *v1beta1.FlinkDeployment, settings *flinkconf.Settings, rc RenderContext) (*templateInput, *artifactInput, field.ErrorList) {
	var errs field.ErrorList
	s := &fd.Spec
	slots := settings.TaskSlots
	if slots < 1 {
		// flinkconf.Parse has reported the value; resources sized by it
		// would only add confusing errors.
		return nil, nil, nil
	}
	jm, jmErrs := resolveProcess(processSpec{
		path: field.NewPath("spec", "jobManager"), legacy: s.JobManager.Resource, resources: s.JobManager.Resources,
		keys: settings.Resources.JobManager, defaultCPU: 1,
	})
	tm, tmErrs := resolveProcess(processSpec{
		path: field.NewPath("spec", "taskManager"), legacy: s.TaskManager.Resource, resources: s.TaskManager.Resources,
		keys: settings.Resources.TaskManager, defaultCPU: float64(slots),
	})
	jm.Replicas = *s.JobManager.Replicas
	jm.ServiceAccount, tm.ServiceAccount = s.ServiceAccount, s.ServiceAccount
	if s.TaskManager.Replicas != nil {
		tm.Replicas = *s.TaskManager.Replicas
	}
	errs = append(errs, jmErrs...)
	errs = append(errs, tmErrs...)

	haType := settings.HA.Type
	in := &templateInput{
		Name:                       fd.Name,
		Namespace:                  fd.Namespace,
		Image:                      s.Image,
		ImagePullPolicy:            s.ImagePullPolicy,
		ServiceAccount:             s.ServiceAccount,
		HighAvailability:           haType != "",
		KubernetesHighAvailability: haType == "kubernetes",
		HAStorageDir:               haStorageDir(settings.HA),
		TaskSlots:                  slots,
		LogConfiguration:           logConfiguration(s.LogConfiguration),
		JobManager:                 jm,
		TaskManager:                tm,
		RESTTLS:                    restTLSMode(settings.RESTTLS),
	}
	var fetched *artifactInput
	if s.Job != nil {
		// Render has checked that the version table knows the version.
		facts, _ := versions.For(s.FlinkVersion)
		in.Job = buildJob(fd, rc, slots, facts.YAMLFirst())
		// As the reference operator: a vertex override above the job's
		// parallelism needs its slots too (replicas, when set, decide).
		if s.TaskManager.Replicas == nil && settings.MaxParallelismOverride > in.Job.Parallelism {
			in.Job.MaxVertexParallelism = settings.MaxParallelismOverride
		}
		// Only standalone application clusters ask; native mode mounts
		// no usrlib volume of its own for a jar in the image.
		in.JobManagerMountsUserLib = *s.Mode == v1beta1.ModeStandalone && mountsUserLib(fd)
		var localURI string
		var artifactErr *field.Error
		if fetched, localURI, artifactErr = buildArtifact(fd, rc); artifactErr != nil {
			errs = append(errs, artifactErr)
		}
		if fetched != nil {
			in.Job.JarURI = localURI
			// The fetcher needs a volume at usrlib itself, so a mount
			// below it does not count.
			in.JobManagerMountsUserLib = *s.Mode == v1beta1.ModeStandalone && fetched.JobManagerVolume != ""
		}
	}
	if s.Ingress != nil {
		in.Ingress = buildIngress(fd)
	}
	return in, fetched, errs
}

// yamlFirst: the version's config file is standard YAML (Flink 2.x), which
// Flink reads list values from as YAML first.
func buildJob(fd *v1beta1.FlinkDeployment, rc RenderContext, slots int64, yamlFirst bool) *jobInput {
	job := fd.Spec.Job
	parallelism := int64(job.Parallelism)
	// As in the reference operator: TaskManager replicas, when set, decide
	// the parallelism (replicas × slots).
	if r := fd.Spec.TaskManager.Replicas; r != nil {
		parallelism = int64(*r) * slots
	}
	state := job.State
	if rc.DesiredState != "" {
		state = rc.DesiredState
	}
	restore := rc.RestorePath
	if restore == "" && !rc.StartEmpty {
		restore = job.InitialSavepointPath
	}
	args := job.Args
	if args == nil {
		args = []string{}
	}
	// Flink reads $internal.application.program-args as a list: quoting
	// keeps an argument with ';', quotes or outer whitespace whole (a plain
	// join split it, or stopped the JobManager on "Illegal quoting"). Done
	// here because such escaping in CUE cost a fifth of a render.
	var programArgs string
	if len(args) > 0 {
		programArgs = flinkconf.JoinEscaped(args, ';', yamlFirst)
	}
	return &jobInput{
		JarURI:                job.JarURI,
		Parallelism:           parallelism,
		EntryClass:            job.EntryClass,
		Args:                  args,
		ProgramArgs:           programArgs,
		UpgradeMode:           string(job.UpgradeMode),
		State:                 string(state),
		RestorePath:           restore,
		AllowNonRestoredState: job.AllowNonRestoredState,
		JobID:                 rc.JobID,
	}
}

// haStorageDir is high-availability.storageDir when high availability is
// on, without a trailing slash so that paths below it read cleanly.
func haStorageDir(ha flinkconf.HighAvailability) string {
	if !ha.Enabled() {
		return ""
	}
	return strings.TrimSuffix(ha.StorageDir, "/")
}

// logConfiguration passes the two log files Flink reads; validation has
// rejected any other name. The templates add Flink's default log4j file
// when the user gives none.
func logConfiguration(user map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range user {
		out[k] = v
	}
	return out
}

// restTLSMode is how the JobManager serves REST, for its startup probe
// (#Input.restTLS).
func restTLSMode(t flinkconf.RESTTLS) string {
	switch {
	case !t.Enabled:
		return ""
	case t.Mutual:
		return "mutual"
	}
	return "server"
}
