package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flinkops/flink-operator/metrics"
	"github.com/stretchr/testify/require"
)

// TestBuildInfoAndCountersFromStartUp scrapes a freshly started operator:
// flink_operator_build_info carries the version and commit given to the
// linker, and the upgrade counters are there at 0 before anything
// happened, so alerts on them have data from the first scrape. Once it
// has reconciled, the standard metrics the chart's dashboard and alerts
// may use (metrics.StandardNames) are served too.
func TestBuildInfoAndCountersFromStartUp(t *testing.T) {
	env, k8s := freshAPIServer(t, "flink-system", "jobs")
	bin := buildOperatorWith(t, nil, "-ldflags=-X main.version=v9.8.7 -X main.commit=0123abcd")
	p := startOperator(t, "buildinfo", bin, writeKubeconfig(t, env.Config),
		"--leader-elect", "--leader-election-namespace", "flink-system", "--watch-namespaces", "jobs")

	var all map[string][]sample
	eventually(t, 30*time.Second, "the metrics endpoint answers", func() bool {
		var err error
		all, err = p.metrics(t)
		return err == nil
	})
	info := all["flink_operator_build_info"]
	if len(info) != 1 || info[0].value != 1 || info[0].labels["version"] != "v9.8.7" || info[0].labels["revision"] != "0123abcd" ||
		!strings.HasPrefix(info[0].labels["go_version"], "go") {
		t.Errorf("flink_operator_build_info = %+v, want one series of value 1 with version v9.8.7, revision 0123abcd and a go version", info)
	}
	for name, series := range map[string]int{
		"flink_operator_upgrade_savepoint_failures_total": 2, // upgrade, suspend
		"flink_operator_upgrades_abandoned_total":         2,
		"flink_operator_upgrade_holds_total":              4, // UpgradeHeld, UpgradeFailed, ManualRestoreRequired, Waiting
		"flink_operator_rollout_duration_seconds":         2, // initial, change
		"flink_operator_upgrades_total":                   3, // stateless, savepoint, last-state
		"flink_operator_savepoints_total":                 6, // 3 triggers x 2 results
	} {
		if got := len(all[name]); got != series {
			t.Errorf("%s: %d series at start-up, want %d", name, got, series)
		}
		for _, s := range all[name] {
			if s.value != 0 {
				t.Errorf("%s%v = %v at start-up, want 0", name, s.labels, s.value)
			}
		}
	}

	require.NoError(t, k8s.Create(context.Background(), scaleCR("jobs", "job")))
	var missing []string
	eventually(t, 30*time.Second, "standard metrics served", func() bool {
		all, err := p.metrics(t)
		if err != nil {
			return false
		}
		missing = missing[:0]
		for _, name := range metrics.StandardNames {
			if len(all[name]) == 0 {
				missing = append(missing, name)
			}
		}
		return len(missing) == 0
	})
}
