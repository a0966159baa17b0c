package renderer

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkRenderMemory renders examples/basic.yaml 10,000 times under
// different names and reports the live heap after each quarter: a cached
// CUE template must not accumulate memory per render (BENCHMARKS.md).
func BenchmarkRenderMemory(b *testing.B) {
	fd := loadExample(b, "../examples/basic.yaml")
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		if _, err := Render(fd, RenderContext{}); err != nil {
			b.Fatal(err)
		}
		start := heap()
		const renders = 10_000
		for i := 1; i <= renders; i++ {
			c := fd.DeepCopy()
			c.Name = fmt.Sprintf("job-%d", i) // new strings every time, as in a fleet
			if _, err := Render(c, RenderContext{JobID: fmt.Sprintf("%032x", i)}); err != nil {
				b.Fatal(err)
			}
			if i%(renders/4) == 0 {
				b.ReportMetric(float64(heap())/(1<<20), fmt.Sprintf("heapMiB@%d", i))
			}
		}
		b.ReportMetric(float64(start)/(1<<20), "heapMiB@0")
	}
}
