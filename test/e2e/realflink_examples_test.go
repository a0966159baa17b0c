//go:build e2e && realflink

package e2e

import (
	"testing"
)

// TestRealExamplesRun applies every example in examples/ unchanged on real
// Flink, one at a time (two cores), and waits until it is READY and STABLE
// with its job RUNNING as the JobManager reports it; session clusters until
// their TaskManagers registered.
func TestRealExamplesRun(t *testing.T) {
	ns := newNamespace(t, "real-examples")
	cases := []struct {
		file         string
		application  bool
		taskManagers int // standalone sessions: TaskManagers that must register
	}{
		{file: "basic.yaml", application: true},
		{file: "savepoint-upgrade.yaml", application: true},
		{file: "last-state-ha.yaml", application: true},
		{file: "session.yaml"},
		{file: "standalone-application.yaml", application: true},
		{file: "standalone-session.yaml", taskManagers: 2},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			name := applyExample(t, ns, tc.file)
			fd := waitReadyStable(t, ns, name, tc.application)
			if tc.application {
				jobID := statusString(fd, "jobStatus", "jobId")
				if state, err := jobState(ns, name, jobID); err != nil || state != "RUNNING" {
					t.Errorf("job %s state %q (%v), want RUNNING", jobID, state, err)
				}
			}
			if tc.taskManagers > 0 {
				waitTaskManagers(t, ns, name, tc.taskManagers)
			}
			v, err := flinkVersion(ns, name)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s runs Flink %s", name, v)
			deleteAndVerify(t, ns, name)
		})
	}
}
