package flinkconf

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadAutoscaler(t *testing.T) {
	none := readAutoscaler(map[string]string{"taskmanager.numberOfTaskSlots": "2"})
	assert.Equal(t, AutoscalerNumber{Set: true, Value: 0.7}, none.Numbers["utilization.target"], "the default")
	assert.Equal(t, AutoscalerNumber{}, none.Numbers["utilization.max"], "no default")
	assert.Len(t, none.Numbers, len(autoscalerNumberDefaults))
	assert.Equal(t, map[string]bool{"observed-scalability.enabled": false, "scaling.effectiveness.detection.enabled": false, "memory.tuning.enabled": false}, none.Switches)
	assert.Equal(t, ExcludedPeriods{}, none.ExcludedPeriods)

	// The copies handed out are the caller's own.
	none.Numbers["utilization.target"] = AutoscalerNumber{Value: 9}
	none.Switches["memory.tuning.enabled"] = true
	again := readAutoscaler(map[string]string{})
	assert.Equal(t, 0.7, again.Numbers["utilization.target"].Value)
	assert.False(t, again.Switches["memory.tuning.enabled"])

	a := readAutoscaler(map[string]string{
		"job.autoscaler.scale-down.max-factor":                     "0.5",
		"kubernetes.operator.job.autoscaler.scale-down.max-factor": "0.4", // the current prefix wins
		"kubernetes.operator.job.autoscaler.utilization.max":       "0.9", // the fallback prefix alone
		"job.autoscaler.target.utilization":                        "0.6", // the deprecated name
		"job.autoscaler.memory.tuning.overhead":                    "lots",
		"job.autoscaler.memory.tuning.enabled":                     "TRUE",
		"job.autoscaler.excluded.periods":                          " 9:00-10:00 ;; 0 0 12 ? * MON ",
	})
	assert.Equal(t, AutoscalerNumber{Key: "job.autoscaler.scale-down.max-factor", Set: true, Value: 0.5}, a.Numbers["scale-down.max-factor"])
	assert.Equal(t, AutoscalerNumber{Key: "kubernetes.operator.job.autoscaler.utilization.max", Set: true, Value: 0.9}, a.Numbers["utilization.max"])
	assert.Equal(t, AutoscalerNumber{Key: "job.autoscaler.target.utilization", Set: true, Value: 0.6}, a.Numbers["utilization.target"])
	assert.Equal(t, AutoscalerNumber{Key: "job.autoscaler.memory.tuning.overhead", Invalid: true}, a.Numbers["memory.tuning.overhead"])
	assert.Equal(t, AutoscalerNumber{Set: true, Value: 1.0}, a.Numbers["memory.gc-pressure.threshold"], "untouched options keep their defaults")
	assert.True(t, a.Switches["memory.tuning.enabled"])
	assert.False(t, a.Switches["observed-scalability.enabled"])
	assert.Equal(t, ExcludedPeriods{Key: "job.autoscaler.excluded.periods", Periods: []string{"9:00-10:00", "0 0 12 ? * MON"}}, a.ExcludedPeriods)

	// The current name wins over the deprecated one under the same prefix.
	b := readAutoscaler(map[string]string{"job.autoscaler.utilization.target": "0.8", "job.autoscaler.target.utilization": "0.6"})
	assert.Equal(t, 0.8, b.Numbers["utilization.target"].Value)
}

// BenchmarkReadAutoscaler reads a configuration without autoscaler keys,
// as most are, and one with a few.
func BenchmarkReadAutoscaler(b *testing.B) {
	plain := map[string]string{"taskmanager.numberOfTaskSlots": "2", "state.backend.type": "rocksdb", "execution.checkpointing.interval": "10s"}
	tuned := map[string]string{"job.autoscaler.enabled": "true", "job.autoscaler.utilization.target": "0.6", "job.autoscaler.memory.tuning.enabled": "true"}
	b.Run("none", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			readAutoscaler(plain)
		}
	})
	b.Run("some", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			readAutoscaler(tuned)
		}
	})
}
