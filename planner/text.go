package planner

import (
	"bytes"
	"fmt"
	"strings"
)

// Text is the plan as flink-render plan prints it: a block per
// FlinkDeployment and FlinkSessionJob (its class, the fields that caused it, the objects that
// change), the unified diffs when diffs is set, and the summary line.
func Text(p *Plan, diffs bool) []byte {
	var b bytes.Buffer
	for _, r := range p.Resources {
		fmt.Fprintf(&b, "%s %s/%s: %s\n", r.Kind, r.Namespace, r.Name, r.Summary)
		for _, f := range r.Fields {
			fmt.Fprintf(&b, "  field: %s\n", f)
		}
		if r.StateRule != "" {
			fmt.Fprintf(&b, "  state rule: %s\n", r.StateRule)
		}
		for _, a := range r.Assumptions {
			fmt.Fprintf(&b, "  assuming: %s\n", a)
		}
		for _, sj := range r.SessionJobs {
			fmt.Fprintf(&b, "  session job %s\n", sj)
		}
		for _, o := range r.Objects {
			fmt.Fprintf(&b, "  %s %s %s\n", o.Change, o.Kind, o.Name)
		}
		if diffs {
			for _, o := range r.Objects {
				b.WriteString("\n")
				b.WriteString(o.Diff)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Plan: %s (exit %d)\n", counts(p), p.ExitCode())
	return b.Bytes()
}

// counts is the plan's resources counted by change, and its restart.
func counts(p *Plan) string {
	n := map[Change]int{}
	for _, r := range p.Resources {
		n[r.Change]++
	}
	var parts []string
	for _, c := range []Change{ChangeAdded, ChangeRemoved, ChangeUpgrade, ChangeHeld, ChangeScale, ChangeIgnored, ChangeNone} {
		if n[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no FlinkDeployments or FlinkSessionJobs"}
	}
	what := map[Restart]string{
		RestartNone:         "no job restarts",
		RestartWithState:    "a job restarts, keeping its state",
		RestartHeld:         "a change would be held",
		RestartWithoutState: "a job restarts or stops WITHOUT its state",
	}[p.Restart]
	return strings.Join(parts, ", ") + "; " + what
}
