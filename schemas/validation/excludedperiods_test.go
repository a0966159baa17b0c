package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The reference's own cases (flink-autoscaler CalendarUtilsTest), and the
// Quartz rules go-quartz alone does not apply.
func TestExcludedPeriodsFollowTheReference(t *testing.T) {
	for period, valid := range map[string]bool{
		"09:13:17-08:15:18":                         false, // ends before it starts
		"09:13:17-25:15:18":                         false, // no hour 25
		"18:01:20-16:00:00":                         false,
		"09:13:17-11:15:18 && 12:01:20-16:00:00":    false, // two daily ranges
		"09:13:17-11:15:18":                         true,
		"14:01:20-16:00:00":                         true,
		"09:00-17:30":                               true,
		"09:00:00:500-09:00:00:900":                 true,
		"09-17":                                     false,
		"* * * ? * 2,5555":                          false, // no day of week 5555
		"* * * ? * 2,5 && 18:01:20-16:00:00":        false,
		"* * * ? * 2,5 && * * 11-13 * * ?":          false, // two cron expressions
		"* * * ? * 2,5 && 14:01:20-16:00:00":        true,
		"* * 14-16 * * ?":                           true,
		"* * 9-17 ? * MON-FRI":                      true,
		"* * 9-17 ? * mon-fri":                      true, // Quartz reads names in any case
		"0 0 12 * * ? 2027":                         true,
		"* * * * * *":                               false, // Quartz needs ? in one day field
		"* * * ? * ?":                               false,
		"* * * * *":                                 false, // five fields: Unix cron, not Quartz
		"@daily":                                    false,
		"a && b && c":                               false,
		"* * * ? * 2 && 09:00-10:00 && 11:00-12:00": false,
	} {
		problem := excludedPeriodProblem(period)
		if valid {
			assert.Empty(t, problem, "%q", period)
		} else {
			assert.NotEmpty(t, problem, "%q was accepted", period)
		}
	}
}
