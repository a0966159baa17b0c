//go:build e2e && !realflink

package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestSuspendResume suspends a standalone application with upgradeMode
// savepoint: the job stops with a savepoint that status records, and every
// pod goes away. Resuming starts the job from that savepoint.
func TestSuspendResume(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t, "suspend")
	name := applyExample(t, ns, "standalone-application.yaml")
	waitReadyStable(t, ns, name, true)

	patch(t, ns, name, `{"spec":{"job":{"state":"suspended"}}}`)
	var savepoint string
	var suspendedAt time.Time
	eventually(t, upgradeTimeout, "SUSPENDED, no pods, savepoint in status", func(ctx context.Context) error {
		cols, err := printerColumns(ns, name)
		if err != nil {
			return err
		}
		if cols["LIFECYCLE STATE"] != "SUSPENDED" {
			return fmt.Errorf("printer columns %v, want LIFECYCLE STATE SUSPENDED", cols)
		}
		left, err := pods(ctx, ns, name, "")
		if err != nil {
			return err
		}
		if len(left) > 0 {
			return fmt.Errorf("%d pods still there, e.g. %s", len(left), left[0].Name)
		}
		deps := &appsv1.DeploymentList{}
		if err := env.client.List(ctx, deps, client.InNamespace(ns), client.MatchingLabels{"app": name}); err != nil {
			return err
		}
		if len(deps.Items) > 0 {
			return fmt.Errorf("Deployment %s still there", deps.Items[0].Name)
		}
		fd, err := flinkDeployment(ctx, ns, name)
		if err != nil {
			return err
		}
		if savepoint = savepointInStatus(fd); savepoint == "" {
			if suspendedAt.IsZero() {
				suspendedAt = time.Now()
			}
			if time.Since(suspendedAt) > gateGrace {
				return permanent{errors.New("suspended and every pod gone, but no savepoint in status.jobStatus.upgradeSavepointPath or savepointInfo.lastSavepoint: the job was not stopped with a savepoint")}
			}
			return errors.New("no savepoint in status yet")
		}
		return nil
	})

	patch(t, ns, name, `{"spec":{"job":{"state":"running"}}}`)
	waitReadyStable(t, ns, name, true)
	eventually(t, deployTimeout, "JobManager and TaskManager pods back", func(ctx context.Context) error {
		if err := runningPods(ctx, ns, name, "jobmanager", 1); err != nil {
			return err
		}
		return runningPods(ctx, ns, name, "taskmanager", 1)
	})
	jm, err := jobManager(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	checkRestoredFromSavepoint(t, ns, name, jm.JobID, savepoint)
	deleteAndVerify(t, ns, name)
}
