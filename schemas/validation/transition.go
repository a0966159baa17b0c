package validation

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// ValidateTransition checks a new spec against the spec last deployed
// (status.reconciliationStatus.lastReconciledSpec), for the changes the
// reference operator refuses once a cluster exists (apache-operator.md §7
// rule 11 and §2.8). last is nil before the first deployment, when every
// change is allowed. Neither spec needs to be defaulted. Each spec's
// flinkConfiguration is read once (flinkconf.Read: the last one was
// validated when it was deployed, and the new one's value errors are
// Validate's callers' to report).
func ValidateTransition(last, next *v1beta1.FlinkDeploymentSpec) field.ErrorList {
	if last == nil || next == nil {
		return nil
	}
	return ValidateTransitionWith(last, flinkconf.Read(last), next, flinkconf.Read(next))
}

// ValidateTransitionWith is ValidateTransition for a caller that has read
// the configurations already.
func ValidateTransitionWith(last *v1beta1.FlinkDeploymentSpec, lastConfig *flinkconf.Settings, next *v1beta1.FlinkDeploymentSpec, nextConfig *flinkconf.Settings) field.ErrorList {
	if last == nil || next == nil {
		return nil
	}
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if from, to := modeOf(last), modeOf(next); from != to {
		errs = append(errs, field.Invalid(spec.Child("mode"), to,
			fmt.Sprintf("cannot change from %s after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again", from)))
	}
	switch {
	case last.Job == nil && next.Job != nil:
		errs = append(errs, field.Forbidden(spec.Child("job"),
			"cannot be added after the first deployment: a session cluster cannot become an application cluster; create a new FlinkDeployment for the job"))
	case last.Job != nil && next.Job == nil:
		errs = append(errs, field.Forbidden(spec.Child("job"),
			"cannot be removed after the first deployment: an application cluster cannot become a session cluster; create a new FlinkDeployment without a job"))
	case last.Job != nil:
		errs = append(errs, validateJobTransition(last, lastConfig, next, nextConfig)...)
	}
	return errs
}

// validateJobTransition checks changes between two application specs.
func validateJobTransition(last *v1beta1.FlinkDeploymentSpec, lastConfig *flinkconf.Settings, next *v1beta1.FlinkDeploymentSpec, nextConfig *flinkconf.Settings) field.ErrorList {
	var errs field.ErrorList
	job := field.NewPath("spec", "job")
	// A blank path is no savepoint either (the reference checks
	// isNullOrWhitespaceOnly).
	if nonce := next.Job.SavepointRedeployNonce; nonce != nil && !equalNonce(nonce, last.Job.SavepointRedeployNonce) {
		switch path := next.Job.InitialSavepointPath; {
		case path == "":
			errs = append(errs, field.Required(job.Child("initialSavepointPath"),
				fmt.Sprintf("spec.job.savepointRedeployNonce changed to %d, which redeploys from this savepoint; set it", *nonce)))
		case strings.TrimSpace(path) == "":
			errs = append(errs, field.Invalid(job.Child("initialSavepointPath"), path,
				fmt.Sprintf("is blank, but spec.job.savepointRedeployNonce changed to %d, which redeploys from this savepoint; set it", *nonce)))
		}
	}
	// A job suspended with last-state keeps its state only in Kubernetes HA
	// metadata written by the old Flink version; a new version could not
	// restore it. A stateless start, which ignores that state, is allowed.
	suspendedWithLastState := last.Job.State == v1beta1.JobStateSuspended && upgradeModeOf(last.Job) == v1beta1.UpgradeModeLastState
	if suspendedWithLastState && next.FlinkVersion != last.FlinkVersion && upgradeModeOf(next.Job) != v1beta1.UpgradeModeStateless {
		errs = append(errs, field.Invalid(field.NewPath("spec", "flinkVersion"), next.FlinkVersion,
			fmt.Sprintf("cannot change from %s while the job is suspended with upgradeMode last-state: its state is in high availability metadata of the old version; resume it on %s and change the version with upgradeMode savepoint, or set upgradeMode stateless to start without state", last.FlinkVersion, last.FlinkVersion)))
	}
	errs = append(errs, validateStateMigration(last, lastConfig, next, nextConfig)...)
	return errs
}

// validateStateMigration refuses a last-state upgrade that can only be
// made through a savepoint when no savepoint can be written. The operator
// never restores Kubernetes HA metadata across Flink versions, and a
// checkpoint cannot move to another state backend (reconciler
// statebackend.go), so such an upgrade stops the running job with a
// savepoint instead; without a savepoint directory Flink refuses every
// attempt and the upgrade is abandoned. The running job's directory is
// used, else the new spec's (the operator passes it to the stop).
func validateStateMigration(last *v1beta1.FlinkDeploymentSpec, lastConfig *flinkconf.Settings, next *v1beta1.FlinkDeploymentSpec, nextConfig *flinkconf.Settings) field.ErrorList {
	if last.Job.State == v1beta1.JobStateSuspended || upgradeModeOf(next.Job) != v1beta1.UpgradeModeLastState {
		return nil
	}
	var why string
	from, to := lastConfig.StateBackend, nextConfig.StateBackend
	switch {
	case next.FlinkVersion != last.FlinkVersion:
		why = fmt.Sprintf("the Flink version changes from %s to %s", last.FlinkVersion, next.FlinkVersion)
	case from != to:
		why = fmt.Sprintf("the state backend changes from %s to %s", from, to)
	default:
		return nil
	}
	if lastConfig.SavepointDir.Dir != "" || nextConfig.SavepointDir.Dir != "" {
		return nil
	}
	reason := "an upgrade with upgradeMode last-state where " + why +
		" is made through a savepoint (high availability metadata is not restored across versions, nor a checkpoint by another state backend); it"
	if !next.FlinkVersion.IsSupported() {
		return field.ErrorList{field.Required(configPath(flinkconf.KeySavepointDirOld), reason+" needs a savepoint directory: set "+flinkconf.KeySavepointDirOld)}
	}
	return field.ErrorList{missingDir(nextConfig.SavepointDir, "savepoint", next.FlinkVersion, reason)}
}

func upgradeModeOf(job *v1beta1.JobSpec) v1beta1.UpgradeMode {
	if job.UpgradeMode == "" {
		return v1beta1.DefaultUpgradeMode
	}
	return job.UpgradeMode
}

func equalNonce(a, b *int64) bool {
	return a != nil && b != nil && *a == *b
}
