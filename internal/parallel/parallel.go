// Package parallel runs independent, CPU-bound calls on every core while
// their results keep the order of their inputs: flink-render's batches and
// plans render many FlinkDeployments, and renderer.Render is safe for
// concurrent use (the operator's reconcilers call it concurrently too).
package parallel

import (
	"runtime"

	"golang.org/x/sync/errgroup"
)

// ForEach calls f(0) … f(n-1) from at most GOMAXPROCS goroutines and
// returns when all have returned. f writes its result to slot i of a slice
// the caller owns, so output keeps the order of the inputs whatever order
// the calls finish in.
func ForEach(n int, f func(i int)) {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error {
			f(i)
			return nil
		})
	}
	_ = g.Wait() // f returns no error: results go to the caller's slots
}
