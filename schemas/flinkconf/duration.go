package flinkconf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// flinkDurationUnits are the unit labels Flink's duration options accept
// (Flink's TimeUtils), all lower case; a bare number is milliseconds.
var flinkDurationUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"min": time.Minute, "m": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"µs": time.Microsecond, "micro": time.Microsecond, "micros": time.Microsecond, "microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanos": time.Nanosecond, "nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
}

// ParseFlinkDuration reads a duration the way Flink's configuration does:
// a whole number and an optional unit, such as 30 s, 5min, 1h or 500 (ms).
func ParseFlinkDuration(text string) (time.Duration, error) {
	s := strings.TrimSpace(text)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	digits, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	if digits == "" {
		return 0, fmt.Errorf("must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("must be a duration: %s is too large", digits)
	}
	scale := time.Millisecond
	if unit != "" {
		var ok bool
		if scale, ok = flinkDurationUnits[unit]; !ok {
			return 0, fmt.Errorf("must be a duration: unknown unit %q; use ms, s, min, h or d", unit)
		}
	}
	if n > math.MaxInt64/int64(scale) {
		return 0, fmt.Errorf("must be a duration: %s is too large", s)
	}
	return time.Duration(n) * scale, nil
}
