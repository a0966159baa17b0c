package validation

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Operator settings a FlinkDeployment may override in flinkConfiguration
// (apache-operator.md §8), with the reference operator's defaults.
const (
	keyRollbackEnabled     = "kubernetes.operator.deployment.rollback.enabled"
	keyHealthCheckEnabled  = "kubernetes.operator.cluster.health-check.enabled"
	keyDeploymentRecovery  = "kubernetes.operator.jm-deployment-recovery.enabled"
	keyReconcileInterval   = "kubernetes.operator.reconcile.interval"
	keyAutoscalerEnabled   = "job.autoscaler.enabled"
	keyAutoscalerWindow    = "job.autoscaler.metrics.window"
	defaultReconcileEvery  = time.Minute
	defaultAutoscaleWindow = 15 * time.Minute
)

// validateOperatorConfig checks operator settings that only make sense
// together (the reference validator's rules 4, 5 and 13).
func validateOperatorConfig(config map[string]string) field.ErrorList {
	var errs field.ErrorList
	bools := map[string]bool{}
	for _, key := range []string{keyRollbackEnabled, keyHealthCheckEnabled, keyDeploymentRecovery, keyAutoscalerEnabled} {
		v, ok := config[key]
		if !ok {
			continue
		}
		b, err := parseFlinkBool(v)
		if err != nil {
			errs = append(errs, field.Invalid(configPath(key), v, err.Error()))
			continue
		}
		bools[key] = b
	}
	if bools[keyRollbackEnabled] && !HighAvailabilityEnabled(config) {
		errs = append(errs, field.Invalid(configPath(keyRollbackEnabled), config[keyRollbackEnabled],
			"rollback needs high availability (high-availability.type: kubernetes), which keeps the state a rollback returns to"))
	}
	if recovery, set := bools[keyDeploymentRecovery]; bools[keyHealthCheckEnabled] && set && !recovery {
		errs = append(errs, field.Invalid(configPath(keyHealthCheckEnabled), config[keyHealthCheckEnabled],
			"the cluster health check restarts unhealthy clusters through JobManager deployment recovery, which "+keyDeploymentRecovery+" turns off"))
	}
	durations := map[string]time.Duration{keyReconcileInterval: defaultReconcileEvery, keyAutoscalerWindow: defaultAutoscaleWindow}
	for _, key := range []string{keyReconcileInterval, keyAutoscalerWindow} {
		v, ok := config[key]
		if !ok {
			continue
		}
		d, err := ParseFlinkDuration(v)
		if err != nil {
			errs = append(errs, field.Invalid(configPath(key), v, err.Error()))
			delete(durations, key)
			continue
		}
		durations[key] = d
	}
	window, okWindow := durations[keyAutoscalerWindow]
	every, okEvery := durations[keyReconcileInterval]
	if bools[keyAutoscalerEnabled] && okWindow && okEvery && window < every {
		errs = append(errs, field.Invalid(configPath(keyAutoscalerWindow), durationText(config, keyAutoscalerWindow, window),
			fmt.Sprintf("the autoscaler's metric window must be at least the reconcile interval (%s), or it never fills", durationText(config, keyReconcileInterval, every))))
	}
	return errs
}

// durationText is the value as written, or the default in Flink's spelling.
func durationText(config map[string]string, key string, d time.Duration) string {
	if v, ok := config[key]; ok {
		return v
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min, the default", d/time.Minute)
	}
	return fmt.Sprintf("%d s, the default", d/time.Second)
}

// parseFlinkBool reads a boolean as Flink does: true or false, any case.
func parseFlinkBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("must be true or false")
}
