package validation

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
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
)

// SavepointDirectory is the savepoint directory the version reads from
// config: from Flink 1.20 on execution.checkpointing.savepoint-dir wins over
// its deprecated alias state.savepoints.dir; before, only the old name is
// read. Empty when none is set.
func SavepointDirectory(config map[string]string, v v1beta1.FlinkVersion) string {
	if v.AtLeast(savepointDir.renameIn) {
		if dir := strings.TrimSpace(config[savepointDir.key]); dir != "" {
			return dir
		}
	}
	return strings.TrimSpace(config[savepointDir.oldKey])
}

// PeriodicSavepointInterval reads kubernetes.operator.periodic.savepoint.interval;
// 0 means off (unset, empty or 0). Validation rejects any other value that
// is not a duration, so the caller of a validated spec can ignore err.
func PeriodicSavepointInterval(config map[string]string) (time.Duration, error) {
	if !configured(config, keyPeriodicSavepoint) {
		return 0, nil
	}
	return parseSnapshotDuration(config[keyPeriodicSavepoint])
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

// parseSnapshotDuration is ParseFlinkDuration with a clear answer for the
// Quartz cron expressions the reference operator also accepts here: this
// operator does not schedule by cron, and says so rather than ignore it.
func parseSnapshotDuration(v string) (time.Duration, error) {
	d, err := ParseFlinkDuration(v)
	if err == nil {
		return d, nil
	}
	if len(strings.Fields(v)) >= 6 {
		return 0, fmt.Errorf("Quartz cron expressions are not supported by this operator; use a duration such as 1 h or 30 min")
	}
	return 0, err
}

// validateSnapshotConfig checks the savepoint settings' values (the need for
// a savepoint directory is validateStateDirectories').
func validateSnapshotConfig(config map[string]string) field.ErrorList {
	var errs field.ErrorList
	if _, err := PeriodicSavepointInterval(config); err != nil {
		errs = append(errs, field.Invalid(configPath(keyPeriodicSavepoint), config[keyPeriodicSavepoint], err.Error()))
	}
	if _, err := SavepointTriggerGracePeriod(config); err != nil {
		errs = append(errs, field.Invalid(configPath(KeySavepointTriggerGracePeriod), config[KeySavepointTriggerGracePeriod], err.Error()))
	}
	return errs
}
