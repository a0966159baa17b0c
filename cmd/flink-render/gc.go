package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is flink-render's GOGC. The command runs once and exits, and
// allocates about 1 MB per FlinkDeployment it renders against a live heap
// of a few tens of MB, so with Go's default of 100 the collector ran every
// few dozen renders and took a fifth to a quarter of the CPU of a batch
// (BENCHMARKS.md). At 400 it takes a few percent, for a peak memory of
// about 280 MB instead of 130 MB for 1,000 FlinkDeployments.
const gcPercent = 400

// tuneGC sets gcPercent unless the user chose a GOGC.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
