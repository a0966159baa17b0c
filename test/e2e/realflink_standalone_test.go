//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"testing"
)

// TestRealStandaloneApplicationSavepointUpgrade: the savepoint upgrade in
// standalone mode, where the operator, not Flink, runs the TaskManagers
// (Flink 2.3).
func TestRealStandaloneApplicationSavepointUpgrade(t *testing.T) {
	ns := newNamespace(t, "real-standalone-app")
	name := "counter"
	fd := keyedCounter(ns, name, "2.3", "savepoint")
	fd["spec"].(map[string]any)["mode"] = "standalone"
	savepointUpgrade(t, ns, name, fd, nil)
	deleteAndVerify(t, ns, name)
}

// TestRealStandaloneSessionTaskManagers: a standalone session cluster
// (FLIP-225) on Flink 2.2 whose TaskManager count changes: the new
// TaskManager registers with the JobManager.
func TestRealStandaloneSessionTaskManagers(t *testing.T) {
	ns := newNamespace(t, "real-standalone-session")
	name := "session"
	fd := keyedCounter(ns, name, "2.2", "stateless")
	spec := fd["spec"].(map[string]any)
	delete(spec, "job")
	spec["mode"] = "standalone"
	spec["taskManager"].(map[string]any)["replicas"] = 1
	applyManifest(t, ns, fd)
	waitReadyStable(t, ns, name, false)
	waitTaskManagers(t, ns, name, 1)

	spec["taskManager"].(map[string]any)["replicas"] = 2
	applyManifest(t, ns, fd)
	waitTaskManagers(t, ns, name, 2)
	deleteAndVerify(t, ns, name)
}

// waitTaskManagers waits until the JobManager reports n TaskManagers.
func waitTaskManagers(t *testing.T, ns, name string, n int) {
	t.Helper()
	eventually(t, deployTimeout, fmt.Sprintf("%d TaskManagers registered with %s", n, name), func(context.Context) error {
		var tms struct {
			TaskManagers []struct {
				ID string `json:"id"`
			} `json:"taskmanagers"`
		}
		if err := getJSON(restURL(ns, name, "/taskmanagers"), &tms); err != nil {
			return err
		}
		if len(tms.TaskManagers) != n {
			return fmt.Errorf("%d TaskManagers registered", len(tms.TaskManagers))
		}
		return nil
	})
}
