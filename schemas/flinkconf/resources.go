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
// meaning ("2048m" is 2048 MiB).
type Memory struct {
	Key string
	// Given reports a non-empty value; Bytes is it, 0 when Err says why
	// it does not parse.
	Given bool
	Bytes int64
	Err   *field.Error
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
		JobManager:  ProcessResources{Memory: readMemory(raw, KeyJobManagerMemory), CPU: readCPU(raw, facts.Keys.JobManagerCPU)},
		TaskManager: ProcessResources{Memory: readMemory(raw, KeyTaskManagerMemory), CPU: readCPU(raw, facts.Keys.TaskManagerCPU)},
	}
}

func readMemory(raw map[string]string, key string) Memory {
	m := Memory{Key: key}
	v := raw[key]
	if v == "" {
		return m
	}
	m.Given = true
	b, err := memsize.Parse(v)
	if err != nil {
		m.Err = field.Invalid(Path(key), v, err.Error())
		return m
	}
	m.Bytes = b
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
