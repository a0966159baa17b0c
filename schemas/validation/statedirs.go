package validation

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// stateDir is a Flink directory setting that was renamed in Flink 1.20
// (FLINK-34255); from 1.20 on the old name is a deprecated alias, before it
// the new name is not read at all. Which name a version reads is a fact of
// the version table (versionKey).
type stateDir struct {
	what       string
	key        string // the name from 1.20 on
	oldKey     string // the name before 1.20
	versionKey func(versions.Keys) string
}

var (
	checkpointDir = stateDir{what: "checkpoint", key: "execution.checkpointing.dir", oldKey: "state.checkpoints.dir",
		versionKey: func(k versions.Keys) string { return k.CheckpointsDir }}
	savepointDir = stateDir{what: "savepoint", key: "execution.checkpointing.savepoint-dir", oldKey: "state.savepoints.dir",
		versionKey: func(k versions.Keys) string { return k.SavepointsDir }}
)

// readsNewKey reports whether Flink version v reads the new name.
func (d stateDir) readsNewKey(v v1beta1.FlinkVersion) bool {
	facts, ok := versions.For(v)
	return ok && d.versionKey(facts.Keys) == d.key
}

// Operator settings that take savepoints on their own.
const (
	keyPeriodicSavepoint = "kubernetes.operator.periodic.savepoint.interval"
	keyLastStateMaxAge   = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age"
)

// set reports whether the directory is configured in a way the version reads.
func (d stateDir) set(config map[string]string, v v1beta1.FlinkVersion) bool {
	if strings.TrimSpace(config[d.oldKey]) != "" {
		return true
	}
	return d.readsNewKey(v) && strings.TrimSpace(config[d.key]) != ""
}

// missing is the error for a directory that reason needs.
func (d stateDir) missing(v v1beta1.FlinkVersion, config map[string]string, reason string) *field.Error {
	if !d.readsNewKey(v) {
		detail := reason + " needs a " + d.what + " directory: set " + d.oldKey
		if _, ok := config[d.key]; ok {
			detail += " (Flink " + flinkRelease(v) + " does not read " + d.key + ", which arrived in 1.20)"
		}
		return field.Required(configPath(d.oldKey), detail)
	}
	return field.Required(configPath(d.key), reason+" needs a "+d.what+" directory: set "+d.key+" (or its older name "+d.oldKey+")")
}

// validateStateDirectories checks that a job whose state must survive
// upgrades has somewhere to keep it, as the reference operator does.
func validateStateDirectories(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	job := fd.Spec.Job
	v := fd.Spec.FlinkVersion
	if !v.IsSupported() {
		return nil // the version is reported; which keys it reads is unknown
	}
	var errs field.ErrorList
	stateful := job.UpgradeMode == v1beta1.UpgradeModeSavepoint || job.UpgradeMode == v1beta1.UpgradeModeLastState
	if stateful && !checkpointDir.set(config, v) {
		errs = append(errs, checkpointDir.missing(v, config, "upgradeMode "+string(job.UpgradeMode)))
	}
	var reason string
	switch {
	case job.UpgradeMode == v1beta1.UpgradeModeSavepoint:
		reason = "upgradeMode savepoint"
	case job.SavepointTriggerNonce != nil:
		reason = "spec.job.savepointTriggerNonce"
	case configured(config, keyPeriodicSavepoint):
		reason = keyPeriodicSavepoint
	case configured(config, keyLastStateMaxAge):
		reason = keyLastStateMaxAge
	}
	if reason != "" && !savepointDir.set(config, v) {
		errs = append(errs, savepointDir.missing(v, config, reason))
	}
	return errs
}

// configured reports whether a key is set to something other than empty or
// zero (the reference operator's "not set" for intervals).
func configured(config map[string]string, key string) bool {
	switch strings.TrimSpace(config[key]) {
	case "", "0":
		return false
	}
	return true
}
