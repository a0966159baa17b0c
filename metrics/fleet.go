package metrics

import (
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Label value for a FlinkDeployment whose status has no value yet (not
// reconciled yet).
const unknownState = "UNKNOWN"

// fleetListTimeout bounds the cache read of one scrape.
const fleetListTimeout = 5 * time.Second

// Every known state is reported for each namespace that has
// FlinkDeployments, zero included, so that alerts on a state can tell
// "none" from "no data".
var (
	lifecycleStates = []string{
		string(v1beta1.LifecycleCreated), string(v1beta1.LifecycleSuspended), string(v1beta1.LifecycleUpgrading),
		string(v1beta1.LifecycleDeployed), string(v1beta1.LifecycleStable), string(v1beta1.LifecycleRollingBack),
		string(v1beta1.LifecycleRolledBack), string(v1beta1.LifecycleFailed), string(v1beta1.LifecycleDeleting),
		string(v1beta1.LifecycleDeleted), unknownState,
	}
	jobManagerStatuses = []string{
		string(v1beta1.JMReady), string(v1beta1.JMDeployedNotReady), string(v1beta1.JMDeploying),
		string(v1beta1.JMMissing), string(v1beta1.JMError), unknownState,
	}
	// The Stalled condition's reasons (reconciler/health): the operator
	// waits for the user.
	stalledReasons = []string{
		"ValidationError", HoldUpgradeHeld, HoldUpgradeFailed, HoldManualRestoreRequired, "JobFailed", "DeploymentFailed",
	}
)

// stalledCondition is the condition type health.Apply writes; read from
// status so the metric says exactly what kubectl and Argo CD show.
const stalledCondition = "Stalled"

var (
	lifecycleDesc = prometheus.NewDesc(namespace+"_flinkdeployments_lifecycle_state",
		"FlinkDeployments this operator instance reconciles, by namespace and status.lifecycleState (UNKNOWN: not reconciled yet).",
		[]string{"namespace", "state"}, nil)
	jobManagerDesc = prometheus.NewDesc(namespace+"_flinkdeployments_jobmanager_status",
		"FlinkDeployments this operator instance reconciles, by namespace and status.jobManagerDeploymentStatus (UNKNOWN: not observed yet).",
		[]string{"namespace", "status"}, nil)
	takeDownStuckDesc = prometheus.NewDesc(namespace+"_flinkdeployments_take_down_stuck",
		"FlinkDeployments whose upgrade or suspend has waited longer than --take-down-timeout for the old cluster's pods to go "+
			"(status.upgrade.takeDownOverdue); the job stays down until they are gone, so look at status.error.",
		[]string{"namespace"}, nil)
	stalledDesc = prometheus.NewDesc(namespace+"_flinkdeployments_stalled",
		"FlinkDeployments whose Stalled condition is True, by namespace and the condition's reason: nothing happens until the user acts "+
			"(status.error says what). An upgrade held for a long time shows here as UpgradeHeld or ManualRestoreRequired.",
		[]string{"namespace", "reason"}, nil)
)

// FleetCollector reports the FlinkDeployments in the manager's cache by
// lifecycle state and by JobManager deployment status. It reads the cache
// at scrape time, so it costs no API request, and it only counts what this
// instance watches (its namespaces and label selector).
type FleetCollector struct {
	reader client.Reader
	active <-chan struct{}
}

// NewFleetCollector reports the FlinkDeployments reader (the manager's
// cache) holds once active is closed. Pass the manager's Elected(): a
// replica that is not the leader reports nothing, so that summing over
// replicas does not count a fleet twice.
func NewFleetCollector(reader client.Reader, active <-chan struct{}) *FleetCollector {
	return &FleetCollector{reader: reader, active: active}
}

// RegisterFleetCollector registers a FleetCollector for mgr on
// controller-runtime's registry.
func RegisterFleetCollector(mgr ctrl.Manager) error {
	return ctrlmetrics.Registry.Register(NewFleetCollector(mgr.GetCache(), mgr.Elected()))
}

// Describe implements prometheus.Collector.
func (c *FleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- lifecycleDesc
	ch <- jobManagerDesc
	ch <- takeDownStuckDesc
	ch <- stalledDesc
}

// Collect implements prometheus.Collector.
func (c *FleetCollector) Collect(ch chan<- prometheus.Metric) {
	select {
	case <-c.active:
	default:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleetListTimeout)
	defer cancel()
	var list v1beta1.FlinkDeploymentList
	// Read-only use of the cached objects: no need to copy each one.
	if err := c.reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		// An error here would fail the whole scrape, controller-runtime's
		// metrics included; report the gap in the log instead.
		ctrl.Log.WithName("metrics").Error(err, "list FlinkDeployments from the cache for the fleet metrics")
		return
	}
	lifecycle := map[string]map[string]int{}
	jobManager := map[string]map[string]int{}
	stuck := map[string]int{}
	stalled := map[string]map[string]int{}
	for i := range list.Items {
		fd := &list.Items[i]
		count(lifecycle, fd.Namespace, string(fd.Status.LifecycleState))
		count(jobManager, fd.Namespace, string(fd.Status.JobManagerDeploymentStatus))
		n := stuck[fd.Namespace] // zero included, like the states
		if takeDownStuck(&fd.Status) {
			n++
		}
		stuck[fd.Namespace] = n
		if stalled[fd.Namespace] == nil {
			stalled[fd.Namespace] = map[string]int{} // zero included
		}
		if c := meta.FindStatusCondition(fd.Status.Conditions, stalledCondition); c != nil && c.Status == "True" {
			stalled[fd.Namespace][c.Reason]++
		}
	}
	emit(ch, lifecycleDesc, lifecycle, lifecycleStates)
	emit(ch, jobManagerDesc, jobManager, jobManagerStatuses)
	emit(ch, stalledDesc, stalled, stalledReasons)
	for ns, n := range stuck {
		ch <- prometheus.MustNewConstMetric(takeDownStuckDesc, prometheus.GaugeValue, float64(n), ns)
	}
}

// takeDownStuck: the upgrade gate reported the take-down of the old
// cluster overdue and is still waiting for it.
func takeDownStuck(st *v1beta1.FlinkDeploymentStatus) bool {
	up := st.Upgrade
	return up != nil && up.Phase == v1beta1.PhaseTakingDown && up.TakeDownOverdue
}

func count(byNamespace map[string]map[string]int, ns, state string) {
	if state == "" {
		state = unknownState
	}
	if byNamespace[ns] == nil {
		byNamespace[ns] = map[string]int{}
	}
	byNamespace[ns][state]++
}

// emit sends one gauge per namespace and state: every known state, plus
// any other value status happened to hold.
func emit(ch chan<- prometheus.Metric, desc *prometheus.Desc, byNamespace map[string]map[string]int, known []string) {
	for ns, counts := range byNamespace {
		states := append([]string(nil), known...)
		for state := range counts {
			if !slices.Contains(known, state) {
				states = append(states, state)
			}
		}
		for _, state := range states {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(counts[state]), ns, state)
		}
	}
}
