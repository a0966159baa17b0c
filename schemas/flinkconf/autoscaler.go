package flinkconf

import (
	"maps"
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
	if !hasAutoscalerKey(raw) {
		// Most configurations name no autoscaler key, and this runs for
		// the deployed and the edited spec on every reconcile.
		return Autoscaler{Numbers: maps.Clone(defaultAutoscaler.Numbers), Switches: maps.Clone(defaultAutoscaler.Switches)}
	}
	return readAutoscalerKeys(raw)
}

// readAutoscalerKeys reads every option from raw.
func readAutoscalerKeys(raw map[string]string) Autoscaler {
	a := Autoscaler{Numbers: make(map[string]AutoscalerNumber, len(autoscalerNumberKeys)), Switches: make(map[string]bool, len(autoscalerSwitchKeys))}
	for name, keys := range autoscalerNumberKeys {
		n := AutoscalerNumber{}
		if def := autoscalerNumberDefaults[name]; def != nil {
			n.Set, n.Value = true, *def
		}
		if key, v, ok := firstKey(raw, keys); ok {
			n.Key = key
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			n.Set, n.Invalid, n.Value = err == nil, err != nil, f
		}
		a.Numbers[name] = n
	}
	for name, keys := range autoscalerSwitchKeys {
		_, v, _ := firstKey(raw, keys)
		b, err := parseBool(v)
		a.Switches[name] = err == nil && b
	}
	if key, v, ok := firstKey(raw, excludedPeriodsKeys); ok {
		a.ExcludedPeriods.Key = key
		for _, item := range strings.Split(v, ";") {
			if item = strings.TrimSpace(item); item != "" {
				a.ExcludedPeriods.Periods = append(a.ExcludedPeriods.Periods, item)
			}
		}
	}
	return a
}

// The keys each autoscaler option is read from, in the order Flink reads
// them: every name under the current prefix, then under the fallback
// prefix. Built once; building them on every read was about a tenth of a
// no-op reconcile (BenchmarkReadAutoscaler, and the steady minute's CPU
// profile in BENCHMARKS.md).
var (
	autoscalerNumberKeys = func() map[string][]string {
		m := make(map[string][]string, len(autoscalerNumberDefaults))
		for name := range autoscalerNumberDefaults {
			names := []string{name}
			if name == "utilization.target" {
				names = append(names, "target.utilization") // its deprecated name
			}
			m[name] = autoscalerKeysOf(names...)
		}
		return m
	}()
	autoscalerSwitchKeys = func() map[string][]string {
		m := make(map[string][]string, len(autoscalerSwitches))
		for _, name := range autoscalerSwitches {
			m[name] = autoscalerKeysOf(name)
		}
		return m
	}()
	excludedPeriodsKeys = autoscalerKeysOf("excluded.periods")
	// defaultAutoscaler is what a configuration without autoscaler keys
	// reads as; readAutoscaler hands out copies of its maps.
	defaultAutoscaler = readAutoscalerKeys(map[string]string{})
)

func autoscalerKeysOf(names ...string) []string {
	var keys []string
	for _, prefix := range []string{autoscalerPrefix, autoscalerFallbackPrefix} {
		for _, n := range names {
			keys = append(keys, prefix+n)
		}
	}
	return keys
}

func hasAutoscalerKey(raw map[string]string) bool {
	for k := range raw {
		if strings.HasPrefix(k, autoscalerPrefix) || strings.HasPrefix(k, autoscalerFallbackPrefix) {
			return true
		}
	}
	return false
}

// firstKey finds the first of keys that raw holds.
func firstKey(raw map[string]string, keys []string) (key, value string, ok bool) {
	for _, k := range keys {
		if v, found := raw[k]; found {
			return k, v, true
		}
	}
	return "", "", false
}

func ptr(f float64) *float64 { return &f }
