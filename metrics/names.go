package metrics

import (
	"regexp"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// StandardNames are the metrics of controller-runtime and client-go,
// served on the same endpoint, that the chart's dashboard and alerts and
// docs/metrics.md may use. cmd/flink-operator's tests scrape a running
// operator for each of them, so a controller-runtime upgrade that renames
// one fails there.
var StandardNames = []string{
	"controller_runtime_reconcile_total",
	"controller_runtime_reconcile_errors_total",
	"controller_runtime_reconcile_time_seconds",
	"controller_runtime_active_workers",
	"workqueue_depth",
	"workqueue_adds_total",
	"workqueue_queue_duration_seconds",
	"rest_client_requests_total",
	"leader_election_master_status",
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Names returns the name of every metric this package defines, sorted: what
// a dashboard or alert may query besides StandardNames. A histogram's
// series add _bucket, _sum and _count to its name.
func Names() []string {
	collectors := []prometheus.Collector{
		reconcileDuration, renderDuration, savepointDuration, upgrades, savepoints, restErrors,
		upgradeSavepointFailures, upgradesAbandoned, upgradeHolds, rolloutDuration, buildInfo,
		&FleetCollector{},
	}
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range collectors {
			c.Describe(ch)
		}
		close(ch)
	}()
	var names []string
	for d := range ch {
		// A Desc does not export its name; its String() has it.
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
