//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealOperatorKilledDuringSavepointUpgrade: the operator is killed
// (SIGKILL) as soon as it has recorded the savepoint it triggered for an
// upgrade. The restarted operator must finish that upgrade with that
// savepoint: exactly one savepoint exists, and the new job restored from it.
func TestRealOperatorKilledDuringSavepointUpgrade(t *testing.T) {
	ns := newNamespace(t, "real-opkill")
	name := "counter"
	fd := keyedCounter(ns, name, "1.20", "savepoint")
	savepointUpgrade(t, ns, name, fd, func() {
		eventually(t, upgradeTimeout, "the upgrade's savepoint triggered and recorded", func(ctx context.Context) error {
			fd, err := flinkDeployment(ctx, ns, name)
			if err != nil {
				return err
			}
			if statusString(fd, "upgrade", "triggerId") == "" {
				return fmt.Errorf("status.upgrade.triggerId empty (phase %q)", statusString(fd, "upgrade", "phase"))
			}
			return nil
		})
		restartOperator(t)
	})
	// Savepoints are folders savepoint-<job>-<id> in the node's /flink-data.
	dir := filepath.Join(env.nodeRoot, "flink-data", ns, "savepoints")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var taken []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "savepoint-") {
			taken = append(taken, e.Name())
		}
	}
	if len(taken) != 1 {
		t.Errorf("savepoints taken: %v, want exactly one (the restarted operator must reuse the one it triggered)", taken)
	}
	deleteAndVerify(t, ns, name)
}
