package main

import (
	"fmt"
	"slices"
	"strings"
)

// summary is one run's figures and its requests by verb and resource, for
// finding where the time goes.
func (r runResult) summary() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s, N=%d, round %d: created in %.1f s, converged in %.1f s, CPU %.1f s to converge, %.1f s in the steady minute; RSS idle %.0f, converged %.0f, steady %.0f, peak %.0f MiB\n",
		r.variant.name, r.n, r.round, r.create.Seconds(), r.converge.Seconds(),
		r.cpuToConverge(), r.steadyCPU(), r.idle.proc["VmRSS"], r.converged.proc["VmRSS"], r.steady.proc["VmRSS"], r.steady.proc["VmHWM"])
	fmt.Fprintf(&sb, "  requests to converge: %d (%d writes)\n%s", r.convergeRequests.total(), r.convergeRequests.writes(), r.convergeRequests)
	fmt.Fprintf(&sb, "  requests in the steady minute: %d (%d writes)\n%s", r.steadyRequests.total(), r.steadyRequests.writes(), r.steadyRequests)
	return sb.String()
}

func (r runResult) cpuToConverge() float64 { return r.converged.cpuSeconds - r.idle.cpuSeconds }
func (r runResult) steadyCPU() float64     { return r.steady.cpuSeconds - r.converged.cpuSeconds }

// resultTable prints, for each N and round, one Markdown table: a column
// per operator and the Apache operator's figures as a multiple of this
// operator's; then the memory slope between the smallest and largest N.
func resultTable(results []runResult, floors map[int]floorResult) string {
	var sb strings.Builder
	type key struct{ n, round int }
	var keys []key
	groups := map[key][]runResult{}
	for _, r := range results {
		k := key{r.n, r.round}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	for _, k := range keys {
		runs := groups[k]
		fmt.Fprintf(&sb, "\nN = %d FlinkDeployments, round %d\n\n| |", k.n, k.round)
		for _, r := range runs {
			fmt.Fprintf(&sb, " %s |", r.variant.name)
		}
		for _, r := range runs[1:] {
			fmt.Fprintf(&sb, " %s ÷ this |", r.variant.name)
		}
		sb.WriteString("\n|---|" + strings.Repeat("---|", 2*len(runs)-1) + "\n")
		floor := floors[k.n].elapsed.Seconds()
		rows := []struct {
			name   string
			format string
			value  func(runResult) float64
		}{
			{"create N CRs (s)", "%.1f", func(r runResult) float64 { return r.create.Seconds() }},
			{"converge (s)", "%.1f", func(r runResult) float64 { return r.converge.Seconds() }},
			{"converge ÷ API server floor", "%.1f×", func(r runResult) float64 { return r.converge.Seconds() / floor }},
			{"CPU to converge (s)", "%.1f", runResult.cpuToConverge},
			{"CPU in the steady minute (s)", "%.1f", runResult.steadyCPU},
			{"RSS idle (MiB)", "%.0f", func(r runResult) float64 { return r.idle.proc["VmRSS"] }},
			{"RSS converged (MiB)", "%.0f", func(r runResult) float64 { return r.converged.proc["VmRSS"] }},
			{"RSS after the steady minute (MiB)", "%.0f", func(r runResult) float64 { return r.steady.proc["VmRSS"] }},
			{"peak RSS (MiB)", "%.0f", func(r runResult) float64 { return r.steady.proc["VmHWM"] }},
			{"requests to converge", "%.0f", func(r runResult) float64 { return float64(r.convergeRequests.total()) }},
			{"requests in the steady minute", "%.0f", func(r runResult) float64 { return float64(r.steadyRequests.total()) }},
			{"writes in the steady minute", "%.0f", func(r runResult) float64 { return float64(r.steadyRequests.writes()) }},
		}
		for _, row := range rows {
			fmt.Fprintf(&sb, "| %s |", row.name)
			for _, r := range runs {
				fmt.Fprintf(&sb, " "+row.format+" |", row.value(r))
			}
			base := row.value(runs[0])
			for _, r := range runs[1:] {
				sb.WriteString(" " + ratio(row.value(r), base) + " |")
			}
			sb.WriteString("\n")
		}
		f := floors[k.n]
		fmt.Fprintf(&sb, "\nAPI server floor at N = %d: %d server-side applies and %d status writes, %d in parallel, in %.1f s\n",
			k.n, f.applies, f.statuses, floorParallelism, floor)
	}
	sb.WriteString(slopeTable(results))
	return sb.String()
}

func ratio(v, base float64) string {
	switch {
	case base == 0 && v == 0:
		return "="
	case base == 0:
		return "∞"
	}
	return fmt.Sprintf("%.1f×", v/base)
}

// slopeTable prints each operator's memory slope, KiB of RSS after the
// steady minute per FlinkDeployment, between the smallest and the largest
// N of round 0.
func slopeTable(results []runResult) string {
	var ns []int
	byVariant := map[string]map[int]float64{}
	var names []string
	for _, r := range results {
		if r.round != 0 {
			continue
		}
		if !slices.Contains(ns, r.n) {
			ns = append(ns, r.n)
		}
		if byVariant[r.variant.name] == nil {
			byVariant[r.variant.name] = map[int]float64{}
			names = append(names, r.variant.name)
		}
		byVariant[r.variant.name][r.n] = r.steady.proc["VmRSS"]
	}
	if len(ns) < 2 {
		return ""
	}
	lo, hi := slices.Min(ns), slices.Max(ns)
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nMemory slope, RSS after the steady minute, N = %d to %d (KiB per FlinkDeployment)\n\n| operator | KiB per FlinkDeployment |\n|---|---|\n", lo, hi)
	var base float64
	for i, name := range names {
		slope := (byVariant[name][hi] - byVariant[name][lo]) * 1024 / float64(hi-lo)
		if i == 0 {
			base = slope
			fmt.Fprintf(&sb, "| %s | %.0f |\n", name, slope)
			continue
		}
		fmt.Fprintf(&sb, "| %s | %.0f (%s) |\n", name, slope, ratio(slope, base))
	}
	return sb.String()
}
