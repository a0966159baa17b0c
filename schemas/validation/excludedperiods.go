package validation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/reugn/go-quartz/quartz"
)

// The reference autoscaler's rule for job.autoscaler.excluded.periods
// (flink-autoscaler CalendarUtils.validateExcludedExpression): each period
// is one or two parts joined by "&&"; a part is a daily time range
// (Quartz's DailyCalendar: "HH:MM[:SS[:mmm]]-HH:MM[:SS[:mmm]]", start
// before end) or a Quartz cron expression; two parts must be one of each.
// This operator does not autoscale, but a manifest the reference rejects
// is rejected here too.

// excludedPeriodProblem says what is wrong with one period, "" when
// nothing is.
func excludedPeriodProblem(period string) string {
	parts := strings.Split(period, "&&")
	if len(parts) > 2 {
		return "at most two parts joined by &&: a daily time range && a cron expression"
	}
	var daily, cron int
	for _, part := range parts {
		part = strings.TrimSpace(part)
		isDaily, isCron := dailyRange(part), quartzCron(part)
		if !isDaily && !isCron {
			what := "it"
			if len(parts) > 1 {
				what = fmt.Sprintf("its part %q", part)
			}
			return fmt.Sprintf("%s is neither a daily time range (HH:MM[:SS]-HH:MM[:SS], start before end, such as 09:00-17:30) nor a Quartz cron expression (6 or 7 fields with ? in day-of-month or day-of-week, such as \"* * 9-17 ? * MON-FRI\")", what)
		}
		if isDaily {
			daily++
		}
		if isCron {
			cron++
		}
	}
	if len(parts) == 2 && (daily == 0 || cron == 0) {
		return "two parts joined by && must be a daily time range and a cron expression, not two of one kind"
	}
	return ""
}

// dailyRange: two times of day joined by "-", the first before the
// second, each as Quartz's DailyCalendar reads them.
func dailyRange(s string) bool {
	ends := strings.Split(s, "-")
	if len(ends) != 2 {
		return false
	}
	start, ok := timeOfDay(ends[0])
	if !ok {
		return false
	}
	end, ok := timeOfDay(ends[1])
	return ok && start < end
}

// timeOfDay reads HH:MM[:SS[:mmm]] into milliseconds since midnight.
func timeOfDay(s string) (int, bool) {
	fields := strings.Split(s, ":")
	if len(fields) < 2 || len(fields) > 4 {
		return 0, false
	}
	limits := []int{23, 59, 59, 999}
	scale := []int{3_600_000, 60_000, 1_000, 1}
	ms := 0
	for i, f := range fields {
		// Java's Integer.parseInt: optional sign, digits, no spaces.
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > limits[i] {
			return 0, false
		}
		ms += n * scale[i]
	}
	return ms, true
}

// quartzCron: a Quartz CronExpression. go-quartz parses the fields as
// Quartz does, with three gaps (v0.15.2) closed here: Quartz needs exactly
// one of day-of-month and day-of-week to be "?"; it has no "@daily" style
// shorthands; and go-quartz does not bound the plain values of a list
// ("2,5555" passes as a day of week), so each item of a list is also
// checked on its own, in the same field.
func quartzCron(s string) bool {
	fields := strings.Fields(strings.ToUpper(s))
	if len(fields) < 6 || len(fields) > 7 || strings.HasPrefix(fields[0], "@") {
		return false
	}
	if (fields[3] == "?") == (fields[5] == "?") {
		return false
	}
	if quartz.ValidateCronExpression(strings.Join(fields, " ")) != nil {
		return false
	}
	for i, f := range fields {
		items := strings.Split(f, ",")
		if len(items) < 2 {
			continue
		}
		one := append([]string(nil), fields...)
		for _, item := range items {
			one[i] = item
			if quartz.ValidateCronExpression(strings.Join(one, " ")) != nil {
				return false
			}
		}
	}
	return true
}
