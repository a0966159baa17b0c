package parallel_test

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flinkops/flink-operator/internal/parallel"
)

func TestForEachCallsEveryIndexOnceAndWaits(t *testing.T) {
	const n = 1000
	slots := make([]int, n)
	var calls atomic.Int64
	parallel.ForEach(n, func(i int) {
		calls.Add(1)
		slots[i] = i * i
	})
	assert.EqualValues(t, n, calls.Load(), "every index exactly once, all done on return")
	for i, v := range slots {
		assert.Equal(t, i*i, v)
	}
	parallel.ForEach(0, func(int) { t.Fatal("no call for n = 0") })
}
