package flinkconf

import (
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/memsize"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// The memory keys; the cpu keys differ between versions (the version
// table's keys.jobManagerCPU and keys.taskManagerCPU).
const (
	KeyJobManagerMemory  = "jobmanager.memory.process.size"
	KeyTaskManagerMemory = "taskmanager.memory.process.size"
)

// Resources are the memory and cpu keys of each Flink process. The spec's
// resources win over them (the renderer resolves which applies), so a
// value that does not parse is an error only where it is used: each field
// holds its error instead of adding it to Parse's.
type Resources struct {
	JobManager, TaskManager ProcessResources
}

// ProcessResources are one process's keys.
type ProcessResources struct {
	Memory Memory
	CPU    CPU
}

// Memory is a <process>.memory.process.size key, in Flink's MemorySize
// meaning ("2048m" is 2048 MiB), or the size Flink derives from the finer
// keys when that key is not set (processmemory.go).
type Memory struct {
	Key string
	// Given reports a non-empty value or finer keys; Bytes is the process
	// size, 0 when Err says why it cannot be read.
	Given bool
	Bytes int64
	Err   *field.Error
	// Respelled is Bytes in Flink's spelling when the user wrote the key
	// in a spelling only the operator reads (a Kubernetes quantity such as
	// 2Gi): Flink must be given this instead, or it refuses to start.
	Respelled string
}

// CPU is the version's cpu key of a process.
type CPU struct {
	// Key is "" for a version the table does not know.
	Key string
	// Given reports the key is set, even as ""; Cores is its value, 0 when
	// Err says why it is not a positive number.
	Given bool
	Cores float64
	Err   *field.Error
}

func readResources(raw map[string]string, facts versions.Facts) Resources {
	return Resources{
		JobManager:  ProcessResources{Memory: readMemory(raw, KeyJobManagerMemory, jobManagerMemory), CPU: readCPU(raw, facts.Keys.JobManagerCPU)},
		TaskManager: ProcessResources{Memory: readMemory(raw, KeyTaskManagerMemory, taskManagerMemory), CPU: readCPU(raw, facts.Keys.TaskManagerCPU)},
	}
}

func readMemory(raw map[string]string, key string, finer processMemory) Memory {
	m := Memory{Key: key}
	v := raw[key]
	if v == "" {
		b, ok, err := deriveMemory(raw, finer)
		m.Given, m.Bytes, m.Err = ok, b, err
		return m
	}
	m.Given = true
	b, err := memsize.Parse(v)
	if err != nil {
		m.Err = field.Invalid(Path(key), v, err.Error())
		return m
	}
	m.Bytes = b
	if _, err := memsize.ParseFlink(v); err != nil {
		m.Respelled = memsize.FlinkString(b)
	}
	return m
}

func readCPU(raw map[string]string, key string) CPU {
	c := CPU{Key: key}
	if key == "" {
		return c
	}
	v, ok := raw[key]
	if !ok {
		return c
	}
	c.Given = true
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		c.Err = field.Invalid(Path(key), v, "must be a positive number of cores")
		return c
	}
	c.Cores = f
	return c
}
