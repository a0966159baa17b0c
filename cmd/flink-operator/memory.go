package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	ctrl "sigs.k8s.io/controller-runtime"
)

// The operator's own defaults for the Go runtime's memory settings. Go's
// defaults (GOGC=100, no limit) let the heap grow to twice the live data
// before collecting; at 1,000 FlinkDeployments the live data is mostly the
// informer caches, so half of the resident memory would be garbage
// waiting. See the Scale section of BENCHMARKS.md for the measurements
// behind these values.
const (
	// defaultGCPercent collects when the heap has grown by a quarter over
	// what was live after the last collection. Since passes that change
	// nothing neither render nor apply, a settled fleet allocates little,
	// and collecting more often costs little CPU (about 0.7 CPU-seconds a
	// minute more for 1,000 clusters) for about 8 MiB less memory.
	defaultGCPercent = 25
	// autoLimitFraction is the share of the container's memory limit that
	// "--memory-limit auto" gives the Go runtime. The rest is for what the
	// runtime does not count but the container's limit does: the
	// binary's own pages, which are a large part of this operator's
	// resident memory, and the kernel's buffers.
	autoLimitFraction = 0.75
)

// memorySettings are the --gc-percent and --memory-limit flags. A flag
// given on the command line always applies. Otherwise GOGC and GOMEMLIMIT,
// when set in the environment, are left in force, and only then do the
// operator's defaults apply.
type memorySettings struct {
	gcPercent   optionalFlag
	memoryLimit optionalFlag
	// cgroupRoot is where the cgroup file system is mounted, and
	// selfCgroupFile names the process's cgroups (/proc/self/cgroup);
	// tests point them elsewhere.
	cgroupRoot, selfCgroupFile string
	getenv                     func(string) string
}

// optionalFlag is a string flag that knows whether it was given.
type optionalFlag struct {
	value string
	set   bool
}

func (f *optionalFlag) String() string { return f.value }

func (f *optionalFlag) Set(v string) error {
	f.value, f.set = v, true
	return nil
}

func bindMemoryFlags(flags *flag.FlagSet) *memorySettings {
	m := &memorySettings{cgroupRoot: "/sys/fs/cgroup", selfCgroupFile: "/proc/self/cgroup", getenv: os.Getenv}
	flags.Var(&m.gcPercent, "gc-percent", fmt.Sprintf(
		"how far the heap may grow over the live data before the garbage collector runs, in percent (Go's GOGC; lower uses less memory and more CPU; \"off\" disables collection); default %d, or GOGC when set", defaultGCPercent))
	flags.Var(&m.memoryLimit, "memory-limit",
		fmt.Sprintf("soft limit of the Go runtime's memory (Go's GOMEMLIMIT): a Kubernetes quantity such as 96Mi, \"auto\" for %d%% of the container's memory limit (no limit outside a limited container), or \"none\"; default auto, or GOMEMLIMIT when set", int(autoLimitFraction*100)))
	return m
}

// memoryReport says what was applied, for the startup log.
type memoryReport struct {
	GCPercent   string // "off", or the percentage
	MemoryLimit string // "none", or a size
	Source      string // where each setting came from
}

// apply sets the garbage collector's target and the memory limit, and
// turns heap profiling off unless the pprof endpoint can serve it: its
// records (every distinct allocation stack) otherwise take memory for
// nobody.
func (m *memorySettings) apply(pprofAddr string) (memoryReport, error) {
	var rep memoryReport
	var sources []string

	switch {
	case m.gcPercent.set:
		pct, err := parseGCPercent(m.gcPercent.value)
		if err != nil {
			return rep, err
		}
		debug.SetGCPercent(pct)
		sources = append(sources, "gc-percent from --gc-percent")
	case m.getenv("GOGC") != "":
		sources = append(sources, "gc-percent from GOGC")
	default:
		debug.SetGCPercent(defaultGCPercent)
		sources = append(sources, "gc-percent default")
	}

	switch {
	case m.memoryLimit.set:
		limit, err := m.parseMemoryLimit(m.memoryLimit.value)
		if err != nil {
			return rep, err
		}
		debug.SetMemoryLimit(limit)
		sources = append(sources, "memory-limit from --memory-limit")
	case m.getenv("GOMEMLIMIT") != "":
		sources = append(sources, "memory-limit from GOMEMLIMIT")
	default:
		limit, err := m.parseMemoryLimit("auto")
		if err != nil {
			return rep, err
		}
		debug.SetMemoryLimit(limit)
		sources = append(sources, "memory-limit default (auto)")
	}

	if pprofAddr == "" || pprofAddr == "0" {
		runtime.MemProfileRate = 0
	}

	// Reading the settings back reports what is in force, whichever way
	// it was set.
	gogc, limit := runtimeMemorySettings()
	rep.GCPercent = "off"
	if gogc >= 0 {
		rep.GCPercent = strconv.FormatInt(gogc, 10)
	}
	rep.MemoryLimit = "none"
	if limit != math.MaxInt64 {
		rep.MemoryLimit = resource.NewQuantity(limit, resource.BinarySI).String()
	}
	rep.Source = strings.Join(sources, ", ")
	return rep, nil
}

// runtimeMemorySettings reads GOGC (-1 when off) and the memory limit the
// runtime works with.
func runtimeMemorySettings() (gogc, limit int64) {
	samples := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(samples)
	gogc = -1
	// "off" is -1 inside the runtime, which this metric shows as a huge
	// unsigned number.
	if samples[0].Value.Kind() == metrics.KindUint64 {
		if v := samples[0].Value.Uint64(); v <= math.MaxInt32 {
			gogc = int64(v)
		}
	}
	limit = math.MaxInt64
	if samples[1].Value.Kind() == metrics.KindUint64 {
		limit = int64(min(samples[1].Value.Uint64(), math.MaxInt64))
	}
	return gogc, limit
}

func parseGCPercent(v string) (int, error) {
	if v == "off" {
		return -1, nil
	}
	pct, err := strconv.Atoi(v)
	if err != nil || pct <= 0 {
		return 0, fmt.Errorf("--gc-percent %q: must be a whole number above 0, or \"off\"", v)
	}
	return pct, nil
}

// parseMemoryLimit returns the limit in bytes; math.MaxInt64 means none,
// as for debug.SetMemoryLimit.
func (m *memorySettings) parseMemoryLimit(v string) (int64, error) {
	switch v {
	case "none":
		return math.MaxInt64, nil
	case "auto":
		selfCgroup, err := os.ReadFile(m.selfCgroupFile)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("--memory-limit auto: read the process's cgroup: %w", err)
		}
		limit, ok, err := containerMemoryLimit(m.cgroupRoot, string(selfCgroup))
		if err != nil {
			return 0, fmt.Errorf("--memory-limit auto: %w", err)
		}
		if !ok {
			return math.MaxInt64, nil
		}
		return int64(float64(limit) * autoLimitFraction), nil
	}
	q, err := resource.ParseQuantity(v)
	if err != nil || q.Sign() <= 0 {
		return 0, fmt.Errorf("--memory-limit %q: must be a Kubernetes quantity above 0 (such as 96Mi or 1Gi), \"auto\" or \"none\"", v)
	}
	limit, ok := q.AsInt64()
	if !ok {
		return 0, fmt.Errorf("--memory-limit %q: too large", v)
	}
	return limit, nil
}

// containerMemoryLimit reads the memory limit of the cgroup the process
// runs in from the cgroup file system mounted at root: cgroup v2's
// memory.max or cgroup v1's memory.limit_in_bytes. The process's own
// cgroup is named in selfCgroup (the text of /proc/self/cgroup); its limit
// is the lowest one set on it or any cgroup above it. In a container with
// its own cgroup namespace the process's cgroup is the root itself. ok is
// false when no limit is set.
func containerMemoryLimit(root, selfCgroup string) (limit int64, ok bool, err error) {
	// Each hierarchy's directory and limit file: cgroup v2 ("0::/path"),
	// cgroup v1's memory controller ("N:memory:/path"), or, when
	// /proc/self/cgroup says neither, both at their top.
	type hierarchy struct{ dir, file, path string }
	var found []hierarchy
	for _, line := range strings.Split(selfCgroup, "\n") {
		// hierarchy-id:controllers:path; v2 has id 0 and no controllers.
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		switch {
		case len(parts) != 3:
		case parts[0] == "0" && parts[1] == "":
			found = append(found, hierarchy{root, "memory.max", parts[2]})
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			found = append(found, hierarchy{filepath.Join(root, "memory"), "memory.limit_in_bytes", parts[2]})
		}
	}
	if len(found) == 0 {
		found = []hierarchy{{root, "memory.max", "/"}, {filepath.Join(root, "memory"), "memory.limit_in_bytes", "/"}}
	}
	for _, h := range found {
		for p := filepath.Clean("/" + h.path); ; p = filepath.Dir(p) {
			n, set, err := readCgroupLimit(filepath.Join(h.dir, p, h.file))
			if err != nil {
				return 0, false, err
			}
			if set && (!ok || n < limit) {
				limit, ok = n, true
			}
			if p == "/" {
				break
			}
		}
	}
	return limit, ok, nil
}

// readCgroupLimit reads one memory limit file; set is false when the file
// does not exist or says there is no limit.
func readCgroupLimit(path string) (limit int64, set bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read the container's memory limit: %w", err)
	}
	text := strings.TrimSpace(string(data))
	if text == "max" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("read the container's memory limit from %s: %q is not a number of bytes", path, text)
	}
	// cgroup v1 reports "no limit" as a huge number rounded down to the
	// page size; nothing real comes near 2^60 bytes.
	if n <= 0 || n >= 1<<60 {
		return 0, false, nil
	}
	return n, true, nil
}

// applyMemorySettings applies m and logs the result.
func applyMemorySettings(m *memorySettings, pprofAddr string) error {
	rep, err := m.apply(pprofAddr)
	if err != nil {
		return err
	}
	ctrl.Log.Info("Go memory settings", "gcPercent", rep.GCPercent, "memoryLimit", rep.MemoryLimit, "from", rep.Source)
	return nil
}
