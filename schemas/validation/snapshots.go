package validation

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// Operator settings of manual and periodic savepoints (apache-operator.md
// §2.9 and §8), with the reference operator's defaults.
const (
	// KeyPeriodicSavepointInterval takes a savepoint of a running job every
	// interval; unset or 0 turns it off.
	KeyPeriodicSavepointInterval = keyPeriodicSavepoint
	// KeySavepointTriggerGracePeriod is how long a failing manual or
	// periodic savepoint is retried before the operator gives up on it.
	KeySavepointTriggerGracePeriod = "kubernetes.operator.savepoint.trigger.grace-period"
	// DefaultSavepointTriggerGracePeriod is the reference operator's default.
	DefaultSavepointTriggerGracePeriod = time.Minute
	// KeySavepointFormatType is the format of every savepoint the operator
	// takes: upgrade and suspend stop-with-savepoints, manual and periodic
	// savepoints.
	KeySavepointFormatType = "kubernetes.operator.savepoint.format.type"
)

// Savepoint formats (Flink's SavepointFormatType, 1.15+ via FLINK-25744).
// CANONICAL, the default, is portable across state backends; NATIVE is the
// backend's own format, much faster to take and restore for large RocksDB
// state but restorable only with the backend that wrote it.
const (
	SavepointFormatCanonical = "CANONICAL"
	SavepointFormatNative    = "NATIVE"
)

// SavepointDirectory is the savepoint directory the version reads from
// config: from Flink 1.20 on execution.checkpointing.savepoint-dir wins over
// its deprecated alias state.savepoints.dir; before, only the old name is
// read. Empty when none is set.
func SavepointDirectory(config map[string]string, v v1beta1.FlinkVersion) string {
	if savepointDir.readsNewKey(v) {
		if dir := strings.TrimSpace(config[savepointDir.key]); dir != "" {
			return dir
		}
	}
	return strings.TrimSpace(config[savepointDir.oldKey])
}

// PeriodicSavepointSchedule reads kubernetes.operator.periodic.savepoint.interval:
// a duration (unset, empty or 0 means off) or a Quartz cron expression.
// Validation rejects any other value, so the caller of a validated spec can
// ignore err.
func PeriodicSavepointSchedule(config map[string]string) (SavepointSchedule, error) {
	if !configured(config, keyPeriodicSavepoint) {
		return SavepointSchedule{}, nil
	}
	return parseSavepointSchedule(config[keyPeriodicSavepoint])
}

// SavepointTriggerGracePeriod reads
// kubernetes.operator.savepoint.trigger.grace-period, with its default.
func SavepointTriggerGracePeriod(config map[string]string) (time.Duration, error) {
	v, ok := config[KeySavepointTriggerGracePeriod]
	if !ok || strings.TrimSpace(v) == "" {
		return DefaultSavepointTriggerGracePeriod, nil
	}
	return ParseFlinkDuration(v)
}

// SavepointFormatType reads kubernetes.operator.savepoint.format.type:
// CANONICAL or NATIVE, CANONICAL when the key is absent. The reference
// operator reads it as an enum option, which Flink matches ignoring case
// (ConfigurationUtils#convertToEnum), so native means NATIVE; the answer is
// in Flink's spelling. Any other value, the empty one included, is an error
// there and here. Validation rejects such a spec, so the caller of a
// validated spec can ignore err.
func SavepointFormatType(config map[string]string) (string, error) {
	v, ok := config[KeySavepointFormatType]
	if !ok {
		return SavepointFormatCanonical, nil
	}
	for _, f := range []string{SavepointFormatCanonical, SavepointFormatNative} {
		if strings.EqualFold(v, f) {
			return f, nil
		}
	}
	return "", fmt.Errorf("must be %s or %s", SavepointFormatCanonical, SavepointFormatNative)
}

// validateSnapshotConfig checks the savepoint settings' values (the need for
// a savepoint directory is validateStateDirectories').
func validateSnapshotConfig(config map[string]string) field.ErrorList {
	var errs field.ErrorList
	if _, err := PeriodicSavepointSchedule(config); err != nil {
		errs = append(errs, field.Invalid(configPath(keyPeriodicSavepoint), config[keyPeriodicSavepoint], err.Error()))
	}
	if _, err := SavepointTriggerGracePeriod(config); err != nil {
		errs = append(errs, field.Invalid(configPath(KeySavepointTriggerGracePeriod), config[KeySavepointTriggerGracePeriod], err.Error()))
	}
	return errs
}

// validateSavepointFormat checks kubernetes.operator.savepoint.format.type:
// its value, and that the Flink version can be asked for it. Before 1.15
// Flink's savepoint and stop requests have no formatType (their strict
// parsers reject it) and every savepoint is CANONICAL, so NATIVE there
// could only be ignored, which this operator never does with a setting.
func validateSavepointFormat(v v1beta1.FlinkVersion, config map[string]string) field.ErrorList {
	format, err := SavepointFormatType(config)
	path := configPath(KeySavepointFormatType)
	switch {
	case err != nil:
		return field.ErrorList{field.Invalid(path, config[KeySavepointFormatType], err.Error())}
	case format == SavepointFormatNative && v.IsSupported() && !takesFormatType(v):
		// An unsupported version is reported on its own.
		return field.ErrorList{field.Invalid(path, config[KeySavepointFormatType], fmt.Sprintf(
			"NATIVE savepoints need Flink 1.15 or newer (FLINK-25744), and spec.flinkVersion is %s; use %s or remove the key", v, SavepointFormatCanonical))}
	}
	return nil
}

// takesFormatType reports whether Flink version v's savepoint and stop
// requests take a formatType; older versions only write CANONICAL
// savepoints.
func takesFormatType(v v1beta1.FlinkVersion) bool {
	facts, ok := versions.For(v)
	return ok && facts.SavepointFormatType
}
