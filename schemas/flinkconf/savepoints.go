package flinkconf

import (
	"fmt"
	"strings"
	"time"
)

// Savepoints are the operator's savepoint settings (apache-operator.md
// §2.9 and §8), with the reference operator's defaults.
type Savepoints struct {
	// Periodic says when periodic savepoints are due.
	Periodic SavepointSchedule
	// PeriodicSet and LastStateMaxAgeSet report that the interval or the
	// last-state checkpoint age is set to something other than empty or
	// zero (the reference operator's "not set"): either takes savepoints on
	// its own, so it needs a savepoint directory.
	PeriodicSet, LastStateMaxAgeSet bool
	// TriggerGracePeriod is how long a failing manual or periodic
	// savepoint is retried.
	TriggerGracePeriod time.Duration
	// Format is SavepointFormatCanonical or SavepointFormatNative.
	Format string
}

// DefaultSavepointTriggerGracePeriod is the reference operator's default.
const DefaultSavepointTriggerGracePeriod = time.Minute

// Savepoint formats (Flink's SavepointFormatType, 1.15+ via FLINK-25744).
// CANONICAL, the default, is portable across state backends; NATIVE is the
// backend's own format, much faster to take and restore for large RocksDB
// state but restorable only with the backend that wrote it.
const (
	SavepointFormatCanonical = "CANONICAL"
	SavepointFormatNative    = "NATIVE"
)

func readSavepoints(r *reader) Savepoints {
	s := Savepoints{
		PeriodicSet:        configured(r.raw, KeyPeriodicSavepointInterval),
		LastStateMaxAgeSet: configured(r.raw, KeyLastStateMaxAge),
		TriggerGracePeriod: DefaultSavepointTriggerGracePeriod,
		Format:             SavepointFormatCanonical,
	}
	if s.PeriodicSet {
		periodic, err := parseSavepointSchedule(r.raw[KeyPeriodicSavepointInterval])
		if err != nil {
			r.invalid(KeyPeriodicSavepointInterval, err.Error())
		}
		s.Periodic = periodic
	}
	if v := r.raw[KeySavepointTriggerGracePeriod]; strings.TrimSpace(v) != "" {
		if d, err := ParseFlinkDuration(v); err != nil {
			r.invalid(KeySavepointTriggerGracePeriod, err.Error())
		} else {
			s.TriggerGracePeriod = d
		}
	}
	if v, ok := r.raw[KeySavepointFormatType]; ok {
		if format, err := savepointFormat(v); err != nil {
			r.invalid(KeySavepointFormatType, err.Error())
		} else {
			s.Format = format
		}
	}
	return s
}

// savepointFormat reads the format as the reference operator does, as an
// enum option, which Flink matches ignoring case
// (ConfigurationUtils#convertToEnum): native means NATIVE. The answer is in
// Flink's spelling. Any other value, the empty one included, is an error
// there and here.
func savepointFormat(v string) (string, error) {
	for _, f := range []string{SavepointFormatCanonical, SavepointFormatNative} {
		if strings.EqualFold(v, f) {
			return f, nil
		}
	}
	return "", fmt.Errorf("must be %s or %s", SavepointFormatCanonical, SavepointFormatNative)
}

// configured reports whether a key is set to something other than empty or
// zero (the reference operator's "not set" for intervals).
func configured(raw map[string]string, key string) bool {
	switch strings.TrimSpace(raw[key]) {
	case "", "0":
		return false
	}
	return true
}
