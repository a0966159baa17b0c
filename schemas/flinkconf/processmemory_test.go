package flinkconf

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mib = 1 << 20

// TestDeriveMemory checks the derivation against Flink's own numbers. The
// distribution's defaults are the anchor: jobmanager.memory.process.size
// 1600m is a 1024m heap, and taskmanager.memory.process.size 1728m is a
// 384m task heap with 512m managed memory (the Flink docs' memory tables);
// going back from the finer options must give the same process sizes.
func TestDeriveMemory(t *testing.T) {
	cases := []struct {
		name string
		raw  map[string]string
		pm   processMemory
		want int64
	}{
		// heap 1024m + off-heap 128m + metaspace 256m = 1408m; overhead
		// 1408m × 0.1/0.9 = 156.4m, raised to the 192m minimum.
		{"jm heap", map[string]string{keyJMHeap: "1024m"}, jobManagerMemory, 1600 * mib},
		// 1152m + 256m, overhead at its minimum again.
		{"jm flink size", map[string]string{keyJMFlink: "1152m"}, jobManagerMemory, 1600 * mib},
		// 8g heap: 8320m + 256m = 8576m; overhead 8576m × 0.1f/(1−0.1f)
		// (0.11111111295076065 as a double) = 952.9m, within [192m, 1g],
		// truncated to bytes as Flink does.
		{"jm large heap", map[string]string{keyJMHeap: "8g"}, jobManagerMemory, 8576*mib + 999176436},
		// Overhead capped at its 1g maximum.
		{"jm overhead max", map[string]string{keyJMFlink: "16g"}, jobManagerMemory, 16*1024*mib + 256*mib + 1024*mib},
		// Configured metaspace, overhead range and fraction.
		{"jm own overhead", map[string]string{
			keyJMFlink: "1000m", "jobmanager.memory.jvm-metaspace.size": "100m",
			"jobmanager.memory.jvm-overhead.min": "0", "jobmanager.memory.jvm-overhead.max": "2g",
			"jobmanager.memory.jvm-overhead.fraction": "0.5",
		}, jobManagerMemory, 2200 * mib},
		// Task heap 384m + managed 512m + framework heap and off-heap
		// 128m each = 1152m; network 1152m × 0.1f/(1−0.1f), which is
		// 128m and 2 bytes because Flink's fraction is a float; then
		// metaspace 256m and overhead at its 192m minimum.
		{"tm task heap and managed", map[string]string{keyTMTaskHeap: "384m", keyTMManaged: "512m"}, taskManagerMemory, 1728*mib + 2},
		{"tm flink size", map[string]string{keyTMFlink: "1280m"}, taskManagerMemory, 1728 * mib},
		// Fine-grained options and flink.size together: flink.size is
		// the Flink memory (a TaskManager's network memory is the rest).
		{"jm heap and flink size", map[string]string{keyJMHeap: "1024m", keyJMFlink: "1152m"}, jobManagerMemory, 1600 * mib},
		{"tm fine-grained and flink size", map[string]string{keyTMTaskHeap: "384m", keyTMManaged: "512m", keyTMFlink: "1280m"}, taskManagerMemory, 1728 * mib},
		// Network at its 64m minimum.
		{"tm small", map[string]string{keyTMTaskHeap: "100m", keyTMManaged: "0"}, taskManagerMemory, (356 + 64 + 256 + 192) * mib},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := deriveMemory(c.raw, c.pm)
			require.Nil(t, err)
			require.True(t, ok)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDeriveMemoryNeedsEveryFineGrainedOption(t *testing.T) {
	// Managed memory alone is not enough: Flink then needs flink.size or
	// process.size.
	_, ok, _ := deriveMemory(map[string]string{keyTMManaged: "1g"}, taskManagerMemory)
	assert.False(t, ok)
	_, ok, _ = deriveMemory(map[string]string{}, jobManagerMemory)
	assert.False(t, ok)
}

func TestDeriveMemoryRefusesWhatFlinkRefuses(t *testing.T) {
	for _, raw := range []map[string]string{
		{keyJMHeap: "2Gi"}, // Flink reads its own keys with MemorySize only
		{keyJMHeap: "1g", "jobmanager.memory.jvm-overhead.fraction": "1"},
		{keyJMHeap: "1g", "jobmanager.memory.jvm-overhead.min": "2g"},
		{keyJMHeap: "1g", keyJMFlink: "1g"}, // heap + 128m off-heap ≠ flink.size
		{keyJMFlink: "128m"},                // no heap left beside 128m off-heap
	} {
		_, ok, err := deriveMemory(raw, jobManagerMemory)
		assert.True(t, ok, raw)
		assert.NotNil(t, err, raw)
	}
	// Task heap and managed memory that do not fit a TaskManager's
	// flink.size.
	_, _, err := deriveMemory(map[string]string{keyTMTaskHeap: "1g", keyTMManaged: "1g", keyTMFlink: "1g"}, taskManagerMemory)
	assert.NotNil(t, err)
}

func TestProcessSizeKeyRespelled(t *testing.T) {
	m := readMemory(map[string]string{KeyTaskManagerMemory: "2 Gi"}, KeyTaskManagerMemory, taskManagerMemory)
	require.Nil(t, m.Err)
	assert.Equal(t, int64(2048*mib), m.Bytes)
	assert.Equal(t, "2048m", m.Respelled)
	m = readMemory(map[string]string{KeyTaskManagerMemory: "2g"}, KeyTaskManagerMemory, taskManagerMemory)
	assert.Empty(t, m.Respelled, "Flink reads 2g itself")
}
