package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A fleet of 1,000 FlinkDeployments in one process, as a CI job renders
// and plans a whole repository (BENCHMARKS.md, "flink-render in
// pipelines"):
//
//	go test -run '^$' -bench Batch1000 -benchtime 1x -count 3 -benchmem ./cmd/flink-render/
//
// Each iteration is one whole command: reading the folder, decoding,
// rendering (and for plan: both versions, the gate's decision and the
// diff of every FlinkDeployment), encoding the output. Besides wall time
// each reports cpu-s/op, the CPU time of the whole process per iteration
// (all threads, the garbage collector's too): on a shared machine wall time
// depends on the load, CPU time much less. The garbage collector is set as
// the command sets it (tuneGC, gc.go), so the benchmark measures what a
// user's run does.

const batchSize = 1000

// batchFleet writes batchSize FlinkDeployments, one per file, into base,
// and into head the same with a new image (an upgrade of every job).
func batchFleet(b *testing.B) (base, head string) {
	b.Helper()
	data, err := os.ReadFile("../../examples/basic.yaml")
	if err != nil {
		b.Fatal(err)
	}
	doc := string(data)
	base, head = filepath.Join(b.TempDir(), "base"), filepath.Join(b.TempDir(), "head")
	for _, dir := range []string{base, head} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for i := range batchSize {
		fd := strings.Replace(doc, "name: basic-example", fmt.Sprintf("name: job-%04d", i), 1)
		if err := os.WriteFile(filepath.Join(base, fmt.Sprintf("job-%04d.yaml", i)), []byte(fd), 0o644); err != nil {
			b.Fatal(err)
		}
		fd = strings.Replace(fd, "image: flink:1.20", "image: flink:1.20.1", 1)
		if err := os.WriteFile(filepath.Join(head, fmt.Sprintf("job-%04d.yaml", i)), []byte(fd), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return base, head
}

// asTheCommand sets the garbage collector as main does, for the rest of
// the benchmark.
func asTheCommand(b *testing.B) {
	prev := debug.SetGCPercent(100)
	debug.SetGCPercent(prev)
	tuneGC()
	b.Cleanup(func() { debug.SetGCPercent(prev) })
}

func BenchmarkBatch1000Render(b *testing.B) {
	base, _ := batchFleet(b)
	asTheCommand(b)
	defer reportCPU(b)()
	for b.Loop() {
		if code := run([]string{"-f", base}, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

func BenchmarkBatch1000Plan(b *testing.B) {
	base, head := batchFleet(b)
	asTheCommand(b)
	defer reportCPU(b)()
	for b.Loop() {
		// Every job is upgraded statelessly: exit 4.
		if code := run([]string{"plan", base, head}, nil, io.Discard, io.Discard); code != 4 {
			b.Fatalf("exit %d", code)
		}
	}
}

// reportCPU starts counting the process's CPU time; the function it
// returns reports it per iteration.
func reportCPU(b *testing.B) func() {
	start := processCPU(b)
	return func() {
		b.ReportMetric((processCPU(b)-start).Seconds()/float64(b.N), "cpu-s/op")
	}
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
