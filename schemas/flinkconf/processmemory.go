package flinkconf

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/memsize"
)

// Flink derives a process's total memory from its finer options when
// *.memory.process.size is not set (ProcessMemoryUtils
// .memoryProcessSpecFromConfig): from the required fine-grained options if
// all are set, else from *.memory.flink.size. The container must be that
// size, so the operator derives it the same way. The defaults below are
// Flink's own (JobManagerOptions, TaskManagerOptions), unchanged from 1.11
// to 2.x except the network maximum (see tmNetwork).

// The finer keys.
const (
	keyJMHeap        = "jobmanager.memory.heap.size"
	keyJMOffHeap     = "jobmanager.memory.off-heap.size"
	keyJMFlink       = "jobmanager.memory.flink.size"
	keyTMTaskHeap    = "taskmanager.memory.task.heap.size"
	keyTMManaged     = "taskmanager.memory.managed.size"
	keyTMFlink       = "taskmanager.memory.flink.size"
	keyTMFwHeap      = "taskmanager.memory.framework.heap.size"
	keyTMFwOffHeap   = "taskmanager.memory.framework.off-heap.size"
	keyTMTaskOffHeap = "taskmanager.memory.task.off-heap.size"
)

// processMemory is one process's key names and Flink's defaults for them.
type processMemory struct {
	prefix string // "jobmanager" or "taskmanager"
	// fineGrained are the options that, all set, make the Flink memory:
	// JobManager heap; TaskManager task heap and managed memory.
	fineGrained []string
	flinkKey    string
	// flinkFromFineGrained adds up the Flink memory from the fine-grained
	// options and their defaulted companions; derived is the part Flink
	// derives rather than reads (a TaskManager's network memory), which a
	// configured flink.size replaces by what is left.
	flinkFromFineGrained func(r *memReader) (total, derived int64)
	// exact: with flink.size also set, the fine-grained options must add
	// up to it exactly (JobManagerFlinkMemoryUtils); otherwise they must
	// fit in it (TaskExecutorFlinkMemoryUtils).
	exact bool
}

var (
	jobManagerMemory = processMemory{
		prefix:      "jobmanager",
		fineGrained: []string{keyJMHeap},
		flinkKey:    keyJMFlink,
		// JobManagerFlinkMemoryUtils: heap + off-heap (default 128m).
		flinkFromFineGrained: func(r *memReader) (int64, int64) {
			return r.size(keyJMHeap, 0) + r.size(keyJMOffHeap, 128<<20), 0
		},
		exact: true,
	}
	taskManagerMemory = processMemory{
		prefix:      "taskmanager",
		fineGrained: []string{keyTMTaskHeap, keyTMManaged},
		flinkKey:    keyTMFlink,
		// TaskExecutorFlinkMemoryUtils: framework heap (128m), framework
		// off-heap (128m), task heap, task off-heap (0), managed, and the
		// network memory derived from their sum.
		flinkFromFineGrained: func(r *memReader) (int64, int64) {
			rest := r.size(keyTMFwHeap, 128<<20) + r.size(keyTMFwOffHeap, 128<<20) +
				r.size(keyTMTaskHeap, 0) + r.size(keyTMTaskOffHeap, 0) + r.size(keyTMManaged, 0)
			network := tmNetwork(r, rest)
			return rest + network, network
		},
	}
)

// tmNetwork is the network memory Flink derives when the Flink memory is
// not configured: rest × fraction / (1 − fraction), within [min, max]
// (defaults 0.1, 64m, and a max of Long.MAX_VALUE since Flink 1.17, 1g
// before: FLINK-30469). The newer maximum is used for every version, so
// on Flink < 1.17 with over 9 GiB of other memory and no network.max set
// the container is larger than Flink's process; never smaller.
func tmNetwork(r *memReader, rest int64) int64 {
	return r.inverseFraction(rest, "taskmanager.memory.network", 64<<20, math.MaxInt64)
}

// deriveMemory sizes a process whose process.size is not set, as Flink
// does. ok is false when none of the finer options is set either.
func deriveMemory(raw map[string]string, pm processMemory) (bytes int64, ok bool, err *field.Error) {
	r := &memReader{raw: raw}
	allFine := true
	for _, k := range pm.fineGrained {
		if raw[k] == "" {
			allFine = false
		}
	}
	var flink int64
	switch {
	case allFine && raw[pm.flinkKey] != "":
		// Both: the Flink memory is flink.size, and the fine-grained
		// options must fit in it (JobManager: add up to it exactly; a
		// TaskManager's network memory takes the rest).
		flink = r.size(pm.flinkKey, 0)
		total, derived := pm.flinkFromFineGrained(r)
		fits := total-derived <= flink
		if pm.exact {
			fits = total == flink
		}
		if r.err == nil && !fits {
			r.err = field.Invalid(Path(pm.flinkKey), raw[pm.flinkKey], fmt.Sprintf("does not match %s: Flink refuses to start; set only one of them", strings.Join(pm.fineGrained, " and ")))
		}
	case allFine:
		flink, _ = pm.flinkFromFineGrained(r)
	case raw[pm.flinkKey] != "":
		flink = r.size(pm.flinkKey, 0)
		// JobManagerFlinkMemoryUtils.deriveFromTotalFlinkMemory: the heap
		// is what off-heap memory leaves, so some must be left.
		if pm.prefix == "jobmanager" && r.err == nil && flink <= r.size(keyJMOffHeap, 128<<20) {
			r.err = field.Invalid(Path(pm.flinkKey), raw[pm.flinkKey], "must be larger than "+keyJMOffHeap+" (default 128m), or no heap is left; Flink refuses to start")
		}
	default:
		return 0, false, nil
	}
	// ProcessMemoryUtils.deriveJvmMetaspaceAndOverheadFromTotalFlinkMemory:
	// metaspace (default 256m), then the JVM overhead from Flink memory plus
	// metaspace by the inverse fraction (defaults 0.1, 192m, 1g).
	withMeta := flink + r.size(pm.prefix+".memory.jvm-metaspace.size", 256<<20)
	overhead := r.inverseFraction(withMeta, pm.prefix+".memory.jvm-overhead", 192<<20, 1<<30)
	if r.err != nil {
		return 0, true, r.err
	}
	return withMeta + overhead, true, nil
}

// memReader reads memory options as Flink does, keeping the first error.
type memReader struct {
	raw map[string]string
	err *field.Error
}

func (r *memReader) size(key string, def int64) int64 {
	v, ok := r.raw[key]
	if !ok || r.err != nil {
		return def
	}
	b, err := memsize.ParseFlink(v)
	if err != nil {
		r.err = field.Invalid(Path(key), v, err.Error())
		return 0
	}
	return b
}

// inverseFraction is ProcessMemoryUtils.deriveWithInverseFraction for the
// <prefix>.{min,max,fraction} options: base × f / (1 − f), capped to the
// range. Flink's fractions are floats widened to double, and
// MemorySize.multiply multiplies exactly by the double's decimal string
// and truncates; both are kept so the bytes match Flink's.
func (r *memReader) inverseFraction(base int64, prefix string, defMin, defMax int64) int64 {
	minB, maxB := r.size(prefix+".min", defMin), r.size(prefix+".max", defMax)
	f := float64(float32(0.1))
	if v, ok := r.raw[prefix+".fraction"]; ok && r.err == nil {
		p, err := strconv.ParseFloat(v, 32)
		if err != nil || p < 0 || p >= 1 {
			r.err = field.Invalid(Path(prefix+".fraction"), v, "must be a number from 0 up to, but not including, 1")
			return 0
		}
		f = float64(float32(p))
	}
	if r.err != nil {
		return 0
	}
	if minB > maxB {
		r.err = field.Invalid(Path(prefix+".min"), r.raw[prefix+".min"], fmt.Sprintf("must not be larger than %s.max", prefix))
		return 0
	}
	factor, _ := new(big.Rat).SetString(strconv.FormatFloat(f/(1-f), 'g', -1, 64))
	product := new(big.Rat).Mul(new(big.Rat).SetInt64(base), factor)
	relative := new(big.Int).Quo(product.Num(), product.Denom()).Int64()
	return min(max(relative, minB), maxB)
}
