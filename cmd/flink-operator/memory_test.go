package main

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keepRuntimeMemorySettings restores the process's GC target, memory limit
// and heap profiling rate after a test changed them.
func keepRuntimeMemorySettings(t *testing.T) {
	gcPercent := debug.SetGCPercent(100)
	debug.SetGCPercent(gcPercent)
	limit := debug.SetMemoryLimit(-1)
	profileRate := runtime.MemProfileRate
	t.Cleanup(func() {
		debug.SetGCPercent(gcPercent)
		debug.SetMemoryLimit(limit)
		runtime.MemProfileRate = profileRate
	})
}

// fakeCgroup writes a cgroup file system under a temporary root with the
// given files (path relative to the root -> content), and the text of
// /proc/self/cgroup.
func fakeCgroup(t *testing.T, self string, files map[string]string) (root, selfFile string) {
	root = t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	selfFile = filepath.Join(t.TempDir(), "cgroup")
	require.NoError(t, os.WriteFile(selfFile, []byte(self), 0o644))
	return root, selfFile
}

// settingsFor parses args into memory settings with the given environment
// and cgroup files.
func settingsFor(t *testing.T, args []string, env map[string]string, cgroupRoot, selfCgroupFile string) *memorySettings {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	m := bindMemoryFlags(fs)
	require.NoError(t, fs.Parse(args))
	m.getenv = func(k string) string { return env[k] }
	m.cgroupRoot, m.selfCgroupFile = cgroupRoot, selfCgroupFile
	return m
}

func TestMemorySettings(t *testing.T) {
	noCgroup, noSelf := fakeCgroup(t, "", nil)
	limited, limitedSelf := fakeCgroup(t, "0::/kubepods/pod1/operator\n", map[string]string{
		"kubepods/pod1/operator/memory.max": "209715200\n", // 200Mi
	})
	for _, tc := range []struct {
		name            string
		args            []string
		env             map[string]string
		root, self      string
		wantGC, wantLim string
		wantSource      string
	}{
		{name: "operator defaults outside a container", root: noCgroup, self: noSelf,
			wantGC: "25", wantLim: "none", wantSource: "gc-percent default, memory-limit default (auto)"},
		{name: "auto takes three quarters of the container's limit", root: limited, self: limitedSelf,
			wantGC: "25", wantLim: "150Mi"},
		{name: "flags win", args: []string{"--gc-percent=30", "--memory-limit=96Mi"}, root: limited, self: limitedSelf,
			env:    map[string]string{"GOGC": "200", "GOMEMLIMIT": "1GiB"},
			wantGC: "30", wantLim: "96Mi", wantSource: "gc-percent from --gc-percent, memory-limit from --memory-limit"},
		{name: "none lifts the limit", args: []string{"--memory-limit=none"}, root: limited, self: limitedSelf,
			wantGC: "25", wantLim: "none"},
		{name: "off disables collection", args: []string{"--gc-percent=off", "--memory-limit=64Mi"}, root: noCgroup, self: noSelf,
			wantGC: "off", wantLim: "64Mi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keepRuntimeMemorySettings(t)
			rep, err := settingsFor(t, tc.args, tc.env, tc.root, tc.self).apply("0")
			require.NoError(t, err)
			assert.Equal(t, tc.wantGC, rep.GCPercent)
			assert.Equal(t, tc.wantLim, rep.MemoryLimit)
			if tc.wantSource != "" {
				assert.Equal(t, tc.wantSource, rep.Source)
			}
			// What the report says is what the runtime does.
			gogc, limit := runtimeMemorySettings()
			switch tc.wantGC {
			case "off":
				assert.Equal(t, int64(-1), gogc)
			case "25":
				assert.Equal(t, int64(25), gogc)
			case "30":
				assert.Equal(t, int64(30), gogc)
			}
			if tc.wantLim == "none" {
				assert.Equal(t, int64(math.MaxInt64), limit)
			} else {
				assert.Less(t, limit, int64(math.MaxInt64))
			}
		})
	}
}

// GOGC and GOMEMLIMIT are applied by the Go runtime at start; without a
// flag the operator leaves them in force instead of its own defaults.
func TestMemorySettingsKeepTheEnvironment(t *testing.T) {
	keepRuntimeMemorySettings(t)
	debug.SetGCPercent(77) // as GOGC=77 would have done
	debug.SetMemoryLimit(123 << 20)
	root, self := fakeCgroup(t, "", map[string]string{"memory.max": "1048576000"})
	rep, err := settingsFor(t, nil, map[string]string{"GOGC": "77", "GOMEMLIMIT": "123MiB"}, root, self).apply("0")
	require.NoError(t, err)
	assert.Equal(t, "77", rep.GCPercent)
	assert.Equal(t, "123Mi", rep.MemoryLimit)
	assert.Equal(t, "gc-percent from GOGC, memory-limit from GOMEMLIMIT", rep.Source)
}

// Heap profiling records every distinct allocation stack for as long as
// the process runs; it is kept only when pprof can serve the profile.
func TestHeapProfilingOnlyWithPprof(t *testing.T) {
	root, self := fakeCgroup(t, "", nil)
	for _, tc := range []struct {
		pprofAddr string
		profiling bool
	}{{"0", false}, {"", false}, {"127.0.0.1:6060", true}} {
		keepRuntimeMemorySettings(t)
		runtime.MemProfileRate = 512 * 1024
		_, err := settingsFor(t, nil, nil, root, self).apply(tc.pprofAddr)
		require.NoError(t, err)
		assert.Equal(t, tc.profiling, runtime.MemProfileRate > 0, "pprof address %q", tc.pprofAddr)
	}
}

func TestMemoryFlagErrors(t *testing.T) {
	root, self := fakeCgroup(t, "", nil)
	for _, tc := range []struct {
		args    []string
		message string
	}{
		{[]string{"--gc-percent=-5"}, `--gc-percent "-5": must be a whole number above 0, or "off"`},
		{[]string{"--gc-percent=half"}, `--gc-percent "half": must be a whole number above 0`},
		{[]string{"--memory-limit=lots"}, `--memory-limit "lots": must be a Kubernetes quantity above 0 (such as 96Mi or 1Gi), "auto" or "none"`},
		{[]string{"--memory-limit=0"}, `--memory-limit "0": must be a Kubernetes quantity above 0`},
		// Go's own spelling is not a Kubernetes quantity.
		{[]string{"--memory-limit=96MiB"}, `--memory-limit "96MiB": must be a Kubernetes quantity`},
	} {
		keepRuntimeMemorySettings(t)
		_, err := settingsFor(t, tc.args, nil, root, self).apply("0")
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.message)
	}
	// The same errors stop the binary before it does anything else.
	keepRuntimeMemorySettings(t)
	err := run([]string{"--memory-limit", "lots"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `--memory-limit "lots"`)
}

func TestContainerMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		self      string
		files     map[string]string
		wantLimit int64
		wantOK    bool
		wantErr   string
	}{
		{name: "cgroup v2, own cgroup", self: "0::/system.slice/operator.service\n",
			files:     map[string]string{"system.slice/operator.service/memory.max": "134217728\n", "memory.max": "max\n"},
			wantLimit: 128 << 20, wantOK: true},
		{name: "cgroup v2, the lowest limit above the own cgroup", self: "0::/system.slice/operator.service\n",
			files: map[string]string{
				"system.slice/operator.service/memory.max": "max\n",
				"system.slice/memory.max":                  "314572800\n", // 300Mi
				"memory.max":                               "1073741824\n",
			},
			wantLimit: 300 << 20, wantOK: true},
		{name: "cgroup v2, container sees its cgroup as the root", self: "0::/\n",
			files:     map[string]string{"memory.max": "268435456\n"},
			wantLimit: 256 << 20, wantOK: true},
		{name: "cgroup v2 without a limit", self: "0::/\n", files: map[string]string{"memory.max": "max\n"}},
		{name: "cgroup v1, own cgroup", self: "12:pids:/x\n4:memory:/docker/abc\n0::/\n",
			files:     map[string]string{"memory/docker/abc/memory.limit_in_bytes": "536870912\n"},
			wantLimit: 512 << 20, wantOK: true},
		{name: "cgroup v1 without a limit", self: "4:memory:/\n",
			files: map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}},
		{name: "no cgroup files at all", self: "0::/\n"},
		{name: "no /proc/self/cgroup: the top of either version", self: "",
			files:     map[string]string{"memory/memory.limit_in_bytes": "104857600\n"},
			wantLimit: 100 << 20, wantOK: true},
		{name: "unreadable content", self: "0::/\n", files: map[string]string{"memory.max": "lots\n"},
			wantErr: `"lots" is not a number of bytes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, self := fakeCgroup(t, tc.self, tc.files)
			selfText, err := os.ReadFile(self)
			require.NoError(t, err)
			limit, ok, err := containerMemoryLimit(root, string(selfText))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantLimit, limit)
		})
	}
}
