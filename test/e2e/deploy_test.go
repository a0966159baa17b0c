//go:build e2e && !realflink

package e2e

import (
	"context"
	"strings"
	"testing"
)

// TestDeployExamples deploys every kind of cluster the examples show, in
// native and standalone mode, application and session, on several Flink
// versions; waits for READY and STABLE; checks the pods and what the
// JobManager reports; and deletes each one, checking nothing is left.
func TestDeployExamples(t *testing.T) {
	ns := newNamespace(t, "deploy")
	cases := []struct {
		file         string
		application  bool
		taskManagers int // pods of a standalone TaskManager Deployment; native mode creates none
		version      string
	}{
		{file: "basic.yaml", application: true, version: "1.20"},
		{file: "savepoint-upgrade.yaml", application: true, version: "2.2"},
		{file: "last-state-ha.yaml", application: true, version: "2.2"},
		{file: "session.yaml", version: "1.20"},
		{file: "standalone-application.yaml", application: true, taskManagers: 1, version: "1.20"},
		{file: "standalone-session.yaml", taskManagers: 2, version: "2.2"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			name := applyExample(t, ns, tc.file)
			fd := waitReadyStable(t, ns, name, tc.application)
			eventually(t, deployTimeout, name+" pods Running and Ready", func(ctx context.Context) error {
				if err := runningPods(ctx, ns, name, "jobmanager", 1); err != nil {
					return err
				}
				return runningPods(ctx, ns, name, "taskmanager", tc.taskManagers)
			})
			v, err := flinkVersion(ns, name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(v, tc.version+".") {
				t.Errorf("the JobManager reports Flink %s, want %s.x", v, tc.version)
			}
			jm, err := jobManager(ns, name)
			if err != nil {
				t.Fatal(err)
			}
			if jm.Application != tc.application {
				t.Errorf("the JobManager runs an application cluster: %v, want %v", jm.Application, tc.application)
			}
			if tc.application {
				jobID := statusString(fd, "jobStatus", "jobId")
				if jobID != jm.JobID {
					t.Errorf("status.jobStatus.jobId %q, but the JobManager runs job %q", jobID, jm.JobID)
				}
				if state, err := jobState(ns, name, jm.JobID); err != nil || state != "RUNNING" {
					t.Errorf("job %s state %q (%v), want RUNNING", jm.JobID, state, err)
				}
				if jm.RestoredFrom != "" {
					t.Errorf("a first deployment without initialSavepointPath restored from %q", jm.RestoredFrom)
				}
			}
			deleteAndVerify(t, ns, name)
			if _, err := jobManager(ns, name); err == nil {
				t.Errorf("a JobManager still answers for deleted %s", name)
			}
		})
	}
}
