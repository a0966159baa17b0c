package planner

import (
	"runtime"
	"sync"
)

// parallel calls f(0) … f(n-1) from at most GOMAXPROCS goroutines and
// returns when all have returned. f writes its result to slot i of a slice
// the caller owns, so output keeps the order of the inputs whatever order
// the calls finish in. Rendering is CPU-bound and renderer.Render is safe
// for concurrent use (the operator's reconcilers call it concurrently too),
// so a plan of many FlinkDeployments runs about GOMAXPROCS times faster.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
