package flinkconf

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// periodic reads the schedule of a configuration, with its error message.
func periodic(raw map[string]string) (SavepointSchedule, error) {
	s, errs := read(nil, raw, "v1_20")
	if len(errs) > 0 {
		return SavepointSchedule{}, errors.New(errs[0].Detail)
	}
	return s.Savepoints.Periodic, nil
}

func TestPeriodicSavepointSchedule(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	for _, tc := range []struct {
		value string
		last  string
		next  string // empty: never
	}{
		{value: "", last: "2026-03-01T10:00:00Z"},
		{value: "0", last: "2026-03-01T10:00:00Z"},
		{value: "1 h", last: "2026-03-01T10:00:00Z", next: "2026-03-01T11:00:00Z"},
		{value: "90 s", last: "2026-03-01T10:00:00Z", next: "2026-03-01T10:01:30Z"},
		// Quartz: every day at 02:00, read in UTC.
		{value: "0 0 2 * * ?", last: "2026-03-01T10:00:00Z", next: "2026-03-02T02:00:00Z"},
		{value: "0 0 2 * * ?", last: "2026-03-01T01:59:59Z", next: "2026-03-01T02:00:00Z"},
		// At a fire time, the next one.
		{value: "0 0/30 * * * ?", last: "2026-03-01T10:30:00Z", next: "2026-03-01T11:00:00Z"},
		// Day of week 1 is Sunday, as in Quartz; extra blanks are fine.
		{value: "0  15 10 ? * 1", last: "2026-03-02T00:00:00Z", next: "2026-03-08T10:15:00Z"},
		// The last day of the month, and an optional year.
		{value: "0 0 0 L * ? 2026-2030", last: "2026-02-10T00:00:00Z", next: "2026-02-28T00:00:00Z"},
	} {
		t.Run(tc.value+"/"+tc.last, func(t *testing.T) {
			s, err := periodic(map[string]string{KeyPeriodicSavepointInterval: tc.value})
			require.NoError(t, err)
			next, ok := s.Next(at(tc.last))
			if tc.next == "" {
				assert.False(t, s.Enabled())
				assert.False(t, ok)
				return
			}
			assert.True(t, s.Enabled())
			require.True(t, ok)
			assert.Equal(t, at(tc.next), next.UTC())
		})
	}

	s, err := periodic(map[string]string{})
	require.NoError(t, err)
	assert.False(t, s.Enabled(), "unset")
}

func TestPeriodicSavepointScheduleErrors(t *testing.T) {
	for value, want := range map[string]string{
		"1 hr":                 `must be a duration`,
		"0 0 2 * *":            `or a Quartz cron expression such as "0 0 * * * ?" (hourly)`,
		"0 0 2 * * ? 2030 1":   `a Quartz cron expression has 6 or 7 fields (seconds, minutes, hours, day of month, month, day of week, year), not 8`,
		"0 0 2 * * MON":        `needs "?" in exactly one of day of month (4th field) and day of week (6th field)`,
		"0 0 2 ? * ?":          `needs "?" in exactly one of day of month`,
		"0 0 25 * * ?":         `is not a valid Quartz cron expression: `,
		"0 0 2 * * ? 2020":     `is a Quartz cron expression that never fires again`,
		"@daily":               `must be a duration`,
		"0 0 2 31 FEB ? 2100x": `is not a valid Quartz cron expression: `,
	} {
		t.Run(value, func(t *testing.T) {
			_, err := periodic(map[string]string{KeyPeriodicSavepointInterval: value})
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}
