package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// missingDir is the error for a checkpoint or savepoint directory (what)
// that reason needs, naming the key Flink version v reads.
func missingDir(d flinkconf.StateDir, what string, v v1beta1.FlinkVersion, reason string) *field.Error {
	if !d.ReadsKey {
		detail := reason + " needs a " + what + " directory: set " + d.OldKey
		if d.KeyGiven {
			detail += " (Flink " + flinkRelease(v) + " does not read " + d.Key + ", which arrived in 1.20)"
		}
		return field.Required(configPath(d.OldKey), detail)
	}
	return field.Required(configPath(d.Key), reason+" needs a "+what+" directory: set "+d.Key+" (or its older name "+d.OldKey+")")
}

// validateStateDirectories checks that a job whose state must survive
// upgrades has somewhere to keep it, as the reference operator does.
func validateStateDirectories(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings) field.ErrorList {
	job := fd.Spec.Job
	v := fd.Spec.FlinkVersion
	if !v.IsSupported() {
		return nil // the version is reported; which keys it reads is unknown
	}
	var errs field.ErrorList
	stateful := job.UpgradeMode == v1beta1.UpgradeModeSavepoint || job.UpgradeMode == v1beta1.UpgradeModeLastState
	if stateful && config.CheckpointDir.Dir == "" {
		errs = append(errs, missingDir(config.CheckpointDir, "checkpoint", v, "upgradeMode "+string(job.UpgradeMode)))
	}
	var reason string
	switch {
	case job.UpgradeMode == v1beta1.UpgradeModeSavepoint:
		reason = "upgradeMode savepoint"
	case job.SavepointTriggerNonce != nil:
		reason = "spec.job.savepointTriggerNonce"
	case config.Savepoints.PeriodicSet:
		reason = flinkconf.KeyPeriodicSavepointInterval
	case config.Savepoints.LastStateMaxAgeSet:
		reason = flinkconf.KeyLastStateMaxAge
	}
	if reason != "" && config.SavepointDir.Dir == "" {
		errs = append(errs, missingDir(config.SavepointDir, "savepoint", v, reason))
	}
	return errs
}
