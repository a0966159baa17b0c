package flinkconf

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlinkDuration(t *testing.T) {
	for text, want := range map[string]time.Duration{
		"500":        500 * time.Millisecond,
		"500 ms":     500 * time.Millisecond,
		"30s":        30 * time.Second,
		"30 sec":     30 * time.Second,
		" 5 min ":    5 * time.Minute,
		"3m":         3 * time.Minute,
		"1 MIN":      time.Minute,
		"2h":         2 * time.Hour,
		"1 d":        24 * time.Hour,
		"2 days":     48 * time.Hour,
		"10 µs":      10 * time.Microsecond,
		"7 nanos":    7,
		"1 hours":    time.Hour,
		"15 minutes": 15 * time.Minute,
	} {
		got, err := ParseFlinkDuration(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, got, text)
	}
	for text, msg := range map[string]string{
		"":                           "must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h",
		"soon":                       "must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h",
		"-1 s":                       "must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h",
		"5 fortnights":               `must be a duration: unknown unit "fortnights"; use ms, s, min, h or d`,
		"1.5 h":                      `must be a duration: unknown unit ".5 h"; use ms, s, min, h or d`,
		"100000000000000000 h":       "must be a duration: 100000000000000000 h is too large",
		"99999999999999999999999 ms": "must be a duration: 99999999999999999999999 is too large",
	} {
		_, err := ParseFlinkDuration(text)
		require.Error(t, err, text)
		assert.Equal(t, msg, err.Error(), text)
	}
}
