package flinkconf

import (
	"strconv"
	"strings"
)

// The reference autoscaler's numeric options that its validator checks
// (flink-autoscaler AutoScalerOptions), by name under job.autoscaler.,
// with their defaults. This operator has no autoscaler, but a manifest
// the reference rejects must be rejected here too.
var autoscalerNumberDefaults = map[string]*float64{
	"scale-down.max-factor":                ptr(0.6),
	"scale-up.max-factor":                  ptr(100000.0),
	"utilization.target":                   ptr(0.7),
	"target.utilization.boundary":          ptr(0.3),
	"utilization.max":                      nil,
	"utilization.min":                      nil,
	"memory.gc-pressure.threshold":         ptr(1.0),
	"memory.heap-usage.threshold":          ptr(1.0),
	"observed-scalability.coefficient-min": ptr(0.5),
	"scaling.effectiveness.threshold":      ptr(0.1),
	"memory.tuning.overhead":               ptr(0.2),
}

// The switches of the features some of those options belong to.
var autoscalerSwitches = []string{
	"observed-scalability.enabled",
	"scaling.effectiveness.detection.enabled",
	"memory.tuning.enabled",
}

const (
	autoscalerPrefix = "job.autoscaler."
	// The keys' older spelling, read when the new one is absent.
	autoscalerFallbackPrefix = "kubernetes.operator.job.autoscaler."
)

// Autoscaler are the autoscaler's numeric options and feature switches.
type Autoscaler struct {
	Numbers  map[string]AutoscalerNumber
	Switches map[string]bool
	// ExcludedPeriods is job.autoscaler.excluded.periods: when the
	// autoscaler must not scale, as daily time ranges or cron expressions.
	ExcludedPeriods ExcludedPeriods
}

// ExcludedPeriods is a list option: Flink separates its items with ';'.
type ExcludedPeriods struct {
	// Key is the key the list came from ("" when absent).
	Key string
	// Periods are the items, trimmed, without empty ones.
	Periods []string
}

// AutoscalerNumber is one numeric option.
type AutoscalerNumber struct {
	// Key is the key the value came from ("" when defaulted).
	Key string
	// Set: a value, given or default; Value is it. Invalid: the given
	// value is not a number.
	Set, Invalid bool
	Value        float64
}

func readAutoscaler(raw map[string]string) Autoscaler {
	a := Autoscaler{Numbers: map[string]AutoscalerNumber{}, Switches: map[string]bool{}}
	for name, def := range autoscalerNumberDefaults {
		n := AutoscalerNumber{}
		if def != nil {
			n.Set, n.Value = true, *def
		}
		// utilization.target's deprecated name.
		names := []string{name}
		if name == "utilization.target" {
			names = append(names, "target.utilization")
		}
		if key, v, ok := autoscalerValue(raw, names); ok {
			n.Key = key
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			n.Set, n.Invalid, n.Value = err == nil, err != nil, f
		}
		a.Numbers[name] = n
	}
	for _, name := range autoscalerSwitches {
		_, v, _ := autoscalerValue(raw, []string{name})
		b, err := parseBool(v)
		a.Switches[name] = err == nil && b
	}
	if key, v, ok := autoscalerValue(raw, []string{"excluded.periods"}); ok {
		a.ExcludedPeriods.Key = key
		for _, item := range strings.Split(v, ";") {
			if item = strings.TrimSpace(item); item != "" {
				a.ExcludedPeriods.Periods = append(a.ExcludedPeriods.Periods, item)
			}
		}
	}
	return a
}

// autoscalerValue finds the first of names under the current prefix, then
// under the fallback prefix, as Flink's fallback keys are read.
func autoscalerValue(raw map[string]string, names []string) (key, value string, ok bool) {
	for _, prefix := range []string{autoscalerPrefix, autoscalerFallbackPrefix} {
		for _, n := range names {
			if v, found := raw[prefix+n]; found {
				return prefix + n, v, true
			}
		}
	}
	return "", "", false
}

func ptr(f float64) *float64 { return &f }
