package validation

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// autoscalerRange is one rule of the reference's AutoscalerValidator: the
// option must lie in [min, max]; a bound may be another option's value;
// only checked when its feature's switch (if any) is on.
type autoscalerRange struct {
	name     string
	min, max func(flinkconf.Autoscaler) float64
	feature  string
}

func bound(v float64) func(flinkconf.Autoscaler) float64 {
	return func(flinkconf.Autoscaler) float64 { return v }
}

func target(a flinkconf.Autoscaler) float64 { return a.Numbers["utilization.target"].Value }

// The reference's rules, in its order.
var autoscalerRanges = []autoscalerRange{
	{name: "scale-down.max-factor", min: bound(0), max: bound(math.Inf(1))},
	{name: "scale-up.max-factor", min: bound(0), max: bound(math.Inf(1))},
	{name: "utilization.target", min: bound(0), max: bound(1)},
	{name: "target.utilization.boundary", min: bound(0), max: bound(math.Inf(1))},
	{name: "utilization.max", min: target, max: bound(1)},
	{name: "utilization.min", min: bound(0), max: target},
	{name: "memory.gc-pressure.threshold", min: bound(0), max: bound(1)},
	{name: "memory.heap-usage.threshold", min: bound(0), max: bound(1)},
	{name: "observed-scalability.coefficient-min", min: bound(0.01), max: bound(1), feature: "observed-scalability.enabled"},
	{name: "scaling.effectiveness.threshold", min: bound(0), max: bound(1), feature: "scaling.effectiveness.detection.enabled"},
	{name: "memory.tuning.overhead", min: bound(0), max: bound(1), feature: "memory.tuning.enabled"},
}

// validateAutoscaler applies the reference's autoscaler rules when the
// autoscaler is enabled. This operator does not autoscale (Unsupported
// says so), but what the reference rejects is rejected here as well, and
// every broken option is reported, not only the first.
func validateAutoscaler(config *flinkconf.Settings) field.ErrorList {
	op := config.Operator
	if !op.AutoscalerEnabled {
		return nil
	}
	a := op.Autoscaler
	var errs field.ErrorList
	for _, r := range autoscalerRanges {
		n := a.Numbers[r.name]
		if r.feature != "" && !a.Switches[r.feature] {
			continue
		}
		switch {
		case n.Invalid:
			errs = append(errs, field.Invalid(configPath(n.Key), config.Text(n.Key), "must be a number"))
		case !n.Set:
		case n.Value < r.min(a) || n.Value > r.max(a):
			key, text := n.Key, config.Text(n.Key)
			if key == "" {
				// A default out of range: the bound came from another
				// option (utilization.target), so name that one.
				key = "job.autoscaler." + r.name
				text = strconv.FormatFloat(n.Value, 'g', -1, 64) + ", the default"
			}
			errs = append(errs, field.Invalid(configPath(key), text,
				fmt.Sprintf("the autoscaler option must lie within [%s, %s], as the reference operator requires", javaBound(r.min(a)), javaBound(r.max(a)))))
		}
	}
	if ex := a.ExcludedPeriods; ex.Key != "" {
		for _, period := range ex.Periods {
			if problem := excludedPeriodProblem(period); problem != "" {
				errs = append(errs, field.Invalid(configPath(ex.Key), config.Text(ex.Key),
					fmt.Sprintf("excluded period %q: %s, as the reference operator requires (items are separated by ;)", period, problem)))
			}
		}
	}
	return errs
}

// javaBound writes a bound as the reference's message does (Java's
// Double.toString, ±Infinity).
func javaBound(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
