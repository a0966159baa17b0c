package v1beta1

// Defaults the API applies when a field is absent; the CRD declares the same
// values, so a CR read back from the API server and one read from a file
// render alike.
const (
	DefaultMode               = ModeNative
	DefaultJobState           = JobStateRunning
	DefaultUpgradeMode        = UpgradeModeStateless
	DefaultJobManagerReplicas = int32(1)
)

// Default fills absent fields with their defaults, in place.
func (fd *FlinkDeployment) Default() {
	s := &fd.Spec
	if s.Mode == nil {
		m := DefaultMode
		s.Mode = &m
	}
	if s.JobManager == nil {
		s.JobManager = &JobManagerSpec{}
	}
	if s.JobManager.Replicas == nil {
		r := DefaultJobManagerReplicas
		s.JobManager.Replicas = &r
	}
	if s.TaskManager == nil {
		s.TaskManager = &TaskManagerSpec{}
	}
	if s.Job != nil {
		if s.Job.State == "" {
			s.Job.State = DefaultJobState
		}
		if s.Job.UpgradeMode == "" {
			s.Job.UpgradeMode = DefaultUpgradeMode
		}
	}
}

// IsApplication reports whether the deployment runs one job (application
// cluster) rather than accepting jobs (session cluster).
func (fd *FlinkDeployment) IsApplication() bool { return fd.Spec.Job != nil }

// CanaryLabel marks a FlinkDeployment the operator reconciles only to prove
// it is alive (reference operator health checks); it deploys nothing.
const CanaryLabel = "flink.apache.org/canary"

// IsCanary reports whether fd is a canary resource.
func IsCanary(fd *FlinkDeployment) bool {
	return fd.Labels[CanaryLabel] == "true"
}
