package flinkconf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Operator are the operator settings a FlinkDeployment may override in
// flinkConfiguration (apache-operator.md §8), with the reference
// operator's defaults.
type Operator struct {
	RollbackEnabled    bool
	HealthCheckEnabled bool
	// JMDeploymentRecovery re-creates a lost JobManager Deployment (default
	// true).
	JMDeploymentRecovery bool
	AutoscalerEnabled    bool
	// BlockOnSessionJobs: a session's deletion waits for the
	// FlinkSessionJobs that name it (default true).
	BlockOnSessionJobs bool
	// BlockOnUnmanagedJobs: a session's deletion waits for the jobs that
	// run on it and that no FlinkSessionJob manages (default true).
	BlockOnUnmanagedJobs bool
	// Autoscaler are the options the reference's autoscaler validator
	// checks.
	Autoscaler        Autoscaler
	ReconcileInterval Duration
	AutoscalerWindow  Duration
	// RestartFailed and SnapshotResource ask for features this operator
	// does not have; a value that is not true reads as false without an
	// error, since nothing acts on it.
	RestartFailed, SnapshotResource bool
}

// Duration is a duration setting.
type Duration struct {
	// Value is the duration, the default when not given or not valid.
	Value time.Duration
	// Given reports the key is set; Valid that Value is what it says or
	// the default (false when the value does not parse).
	Given, Valid bool
}

// The reference operator's defaults.
const (
	DefaultReconcileInterval = time.Minute
	DefaultAutoscalerWindow  = 15 * time.Minute
)

func readOperator(r *reader) Operator {
	return Operator{
		RollbackEnabled:      r.bool(KeyRollbackEnabled, false),
		HealthCheckEnabled:   r.bool(KeyHealthCheckEnabled, false),
		JMDeploymentRecovery: r.bool(KeyJMDeploymentRecovery, true),
		AutoscalerEnabled:    r.bool(KeyAutoscalerEnabled, false),
		BlockOnSessionJobs:   r.bool(KeyBlockOnSessionJobs, true),
		BlockOnUnmanagedJobs: r.bool(KeyBlockOnUnmanagedJobs, true),
		Autoscaler:           readAutoscaler(r.raw),
		ReconcileInterval:    r.duration(KeyReconcileInterval, DefaultReconcileInterval),
		AutoscalerWindow:     r.duration(KeyAutoscalerWindow, DefaultAutoscalerWindow),
		RestartFailed:        lenientBool(r.raw, KeyRestartFailed),
		SnapshotResource:     lenientBool(r.raw, KeySnapshotResource),
	}
}

// readTaskSlots reads taskmanager.numberOfTaskSlots (Flink's default is 1).
func readTaskSlots(r *reader) int64 {
	v, ok := r.raw[KeyTaskSlots]
	if !ok {
		return 1
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		r.invalid(KeyTaskSlots, "must be a whole number of at least 1")
		return 0
	}
	return n
}

// parseBool reads a boolean as Flink does: true or false, any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("must be true or false")
}

// lenientBool is true only for a key given as a valid true.
func lenientBool(raw map[string]string, key string) bool {
	b, err := parseBool(raw[key])
	return err == nil && b
}
