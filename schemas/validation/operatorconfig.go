package validation

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// validateOperatorConfig checks operator settings that only make sense
// together (the reference validator's rules 4, 5 and 13). A value that
// does not parse is flinkconf's error and reads as the default here.
func validateOperatorConfig(config *flinkconf.Settings) field.ErrorList {
	var errs field.ErrorList
	op := config.Operator
	if op.RollbackEnabled && !config.HA.Enabled() {
		errs = append(errs, field.Invalid(configPath(flinkconf.KeyRollbackEnabled), config.Text(flinkconf.KeyRollbackEnabled),
			"rollback needs high availability (high-availability.type: kubernetes), which keeps the state a rollback returns to"))
	}
	if op.HealthCheckEnabled && !op.JMDeploymentRecovery {
		errs = append(errs, field.Invalid(configPath(flinkconf.KeyHealthCheckEnabled), config.Text(flinkconf.KeyHealthCheckEnabled),
			"the cluster health check restarts unhealthy clusters through JobManager deployment recovery, which "+flinkconf.KeyJMDeploymentRecovery+" turns off"))
	}
	window, every := op.AutoscalerWindow, op.ReconcileInterval
	if op.AutoscalerEnabled && window.Valid && every.Valid && window.Value < every.Value {
		errs = append(errs, field.Invalid(configPath(flinkconf.KeyAutoscalerWindow), durationText(config, flinkconf.KeyAutoscalerWindow, window),
			fmt.Sprintf("the autoscaler's metric window must be at least the reconcile interval (%s), or it never fills", durationText(config, flinkconf.KeyReconcileInterval, every))))
	}
	return errs
}

// durationText is the value as written, or the default in Flink's spelling.
func durationText(config *flinkconf.Settings, key string, d flinkconf.Duration) string {
	if d.Given {
		return config.Text(key)
	}
	if d.Value%time.Minute == 0 {
		return fmt.Sprintf("%d min, the default", d.Value/time.Minute)
	}
	return fmt.Sprintf("%d s, the default", d.Value/time.Second)
}
