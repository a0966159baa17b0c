package main

import (
	"runtime"
	"runtime/debug"

	"github.com/flinkops/flink-operator/metrics"
)

// version and commit are set at build time with
// -ldflags "-X main.version=... -X main.commit=..." (Makefile, Dockerfile).
var (
	version = ""
	commit  = ""
)

// buildInfo returns the operator's version and VCS revision: the linker
// flags first, then what the Go toolchain recorded (go install, a build in
// a git checkout), else empty.
func buildInfo() (ver, rev string) {
	ver, rev = version, commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ver, rev
	}
	if ver == "" && info.Main.Version != "(devel)" {
		ver = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && rev == "" {
			rev = s.Value
		}
	}
	return ver, rev
}

// setBuildInfo publishes flink_operator_build_info, so a dashboard can
// tell which operator build runs where.
func setBuildInfo() {
	ver, rev := buildInfo()
	metrics.SetBuildInfo(ver, rev, runtime.Version())
}
