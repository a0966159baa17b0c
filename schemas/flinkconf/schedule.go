package flinkconf

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reugn/go-quartz/quartz"
)

// SavepointSchedule says when periodic savepoints are due. The reference
// operator reads kubernetes.operator.periodic.savepoint.interval as a
// duration or, failing that, as a Quartz cron expression (SnapshotUtils),
// so both forms are accepted here too. The zero value takes none.
type SavepointSchedule struct {
	interval time.Duration
	cron     *quartz.CronTrigger
}

// Enabled reports whether periodic savepoints are taken at all.
func (s SavepointSchedule) Enabled() bool { return s.interval > 0 || s.cron != nil }

// Next returns when the next periodic savepoint is due after one triggered
// (or a resource created) at last, and false when none ever is: a disabled
// schedule, or a cron expression whose last time has passed. An interval
// counts from last; a cron expression fires at its first time after last,
// read in UTC (the reference operator reads it in its JVM's zone, UTC in
// its image).
func (s SavepointSchedule) Next(last time.Time) (time.Time, bool) {
	switch {
	case s.interval > 0:
		return last.Add(s.interval), true
	case s.cron != nil:
		next, err := s.cron.NextFireTime(last.UnixNano())
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(0, next), true
	}
	return time.Time{}, false
}

// formCronExample is a cron expression for error messages.
const formCronExample = `"0 0 * * * ?" (hourly)`

// parseSavepointSchedule reads a duration (0 turns periodic savepoints off)
// or a Quartz cron expression: seconds, minutes, hours, day of month, month,
// day of week and an optional year, with exactly one of the two day fields
// "?" as Quartz requires.
func parseSavepointSchedule(v string) (SavepointSchedule, error) {
	d, durationErr := ParseFlinkDuration(v)
	if durationErr == nil {
		return SavepointSchedule{interval: d}, nil
	}
	fields := strings.Fields(v)
	if len(fields) < 6 {
		return SavepointSchedule{}, fmt.Errorf("%w; or a Quartz cron expression such as %s", durationErr, formCronExample)
	}
	if len(fields) > 7 {
		return SavepointSchedule{}, fmt.Errorf("a Quartz cron expression has 6 or 7 fields (seconds, minutes, hours, day of month, month, day of week, year), not %d", len(fields))
	}
	if (fields[3] == "?") == (fields[5] == "?") {
		return SavepointSchedule{}, errors.New(`a Quartz cron expression needs "?" in exactly one of day of month (4th field) and day of week (6th field), for example ` + formCronExample)
	}
	cron, err := quartz.NewCronTrigger(strings.Join(fields, " "))
	if err != nil {
		return SavepointSchedule{}, fmt.Errorf("is not a valid Quartz cron expression: %w", err)
	}
	if _, ok := (SavepointSchedule{cron: cron}).Next(time.Now()); !ok {
		return SavepointSchedule{}, errors.New("is a Quartz cron expression that never fires again")
	}
	return SavepointSchedule{cron: cron}, nil
}
