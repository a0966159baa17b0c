package flinkrest

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Flink minor release (for example 1.20). Patch releases do not
// change the REST shapes, so they are not represented.
type Version struct {
	Major int
	Minor int
}

// Oldest and newest releases the operator has REST facts for. Versions
// outside this range parse but are reported by Supported as unsupported, so
// callers can refuse them with a clear message instead of guessing shapes.
// 2.3 only adds fields the client does not read (application-id,
// schedulerType, jobType; seen on real 2.3.0). 2.4 is accepted because the
// CRD accepts it, as the reference operator does; it is not released, and
// until it is known to differ it is taken to answer as 2.3.
var (
	OldestSupported = Version{Major: 1, Minor: 13}
	NewestSupported = Version{Major: 2, Minor: 4}
)

// ParseVersion accepts both spellings the operator meets: the CR enum form
// ("v1_20", as in spec.flinkVersion) and the dotted form Flink reports in
// GET /config flink-version ("1.20", "1.20.1", "2.1-SNAPSHOT").
func ParseVersion(s string) (Version, error) {
	raw := s
	var parts []string
	switch {
	case strings.HasPrefix(s, "v"):
		parts = strings.Split(s[1:], "_")
		if len(parts) != 2 {
			return Version{}, fmt.Errorf("flink version %q: want the form v<major>_<minor>, e.g. v1_20", raw)
		}
	default:
		if i := strings.IndexAny(s, "-+ "); i >= 0 {
			s = s[:i]
		}
		parts = strings.Split(s, ".")
		if len(parts) < 2 || len(parts) > 3 {
			return Version{}, fmt.Errorf("flink version %q: want the form <major>.<minor>[.<patch>], e.g. 1.20.1", raw)
		}
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '0') {
			return Version{}, fmt.Errorf("flink version %q: %q is not a number", raw, p)
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1]}, nil
}

// String renders the CR enum form ("v1_20") so messages match what users
// wrote in spec.flinkVersion.
func (v Version) String() string {
	return fmt.Sprintf("v%d_%d", v.Major, v.Minor)
}

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than o.
func (v Version) Compare(o Version) int {
	switch {
	case v.Major != o.Major:
		return sign(v.Major - o.Major)
	default:
		return sign(v.Minor - o.Minor)
	}
}

// AtLeast reports whether v is major.minor or newer; it is the one primitive
// every version gate below is written in.
func (v Version) AtLeast(major, minor int) bool {
	return v.Compare(Version{Major: major, Minor: minor}) >= 0
}

// Supported reports whether v lies in [OldestSupported, NewestSupported].
func (v Version) Supported() bool {
	return v.Compare(OldestSupported) >= 0 && v.Compare(NewestSupported) <= 0
}

// SupportsTriggerID reports whether savepoint and stop requests accept a
// client-chosen triggerId and formatType (1.15+, FLINK-25744). Only then is a
// trigger safe to retry, because Flink deduplicates by triggerId.
func (v Version) SupportsTriggerID() bool { return v.AtLeast(1, 15) }

// UsesClassNameDiscriminator reports whether checkpoint statistics tag their
// entries with "className" (1.15+) instead of "@class" (1.14 and older).
func (v Version) UsesClassNameDiscriminator() bool { return v.AtLeast(1, 15) }

// CancelTerminalIsConflict reports whether cancelling an already finished job
// answers 409 Conflict (1.15+, FLINK-24275) rather than 404.
func (v Version) CancelTerminalIsConflict() bool { return v.AtLeast(1, 15) }

// NotReadyStatus is the HTTP status a JobManager answers while a component is
// not ready yet: 503 from 1.16 on (FLINK-25269), 500 before.
func (v Version) NotReadyStatus() int {
	if v.AtLeast(1, 16) {
		return 503
	}
	return 500
}

// HasLegacyExceptionFields reports whether GET /jobs/:jobid/exceptions still
// carries the deprecated top-level root-exception / all-exceptions fields;
// Flink 2.0 removed them and only exceptionHistory remains.
func (v Version) HasLegacyExceptionFields() bool { return !v.AtLeast(2, 0) }

// SavepointDirKey is the configuration key Flink names in the 400 returned
// when a savepoint has no target directory: state.savepoints.dir up to 1.19,
// execution.checkpointing.savepoint-dir from 1.20.
func (v Version) SavepointDirKey() string {
	if v.AtLeast(1, 20) {
		return "execution.checkpointing.savepoint-dir"
	}
	return "state.savepoints.dir"
}

// SupportsRestoreMode reports whether the jar run request takes a restore
// mode for its savepoint (1.15+).
func (v Version) SupportsRestoreMode() bool { return v.AtLeast(1, 15) }

// UsesClaimMode reports whether the jar run request names the restore mode
// claimMode (1.20+) rather than restoreMode, as the reference operator
// sends it.
func (v Version) UsesClaimMode() bool { return v.AtLeast(1, 20) }

// SupportsJobConfiguration reports whether the jar run request takes a
// job-level flinkConfiguration (1.17+). The jobId field needs no gate: it
// is in the request since Flink 1.8 (FLINK-11544), older than any
// supported version.
func (v Version) SupportsJobConfiguration() bool { return v.AtLeast(1, 17) }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
