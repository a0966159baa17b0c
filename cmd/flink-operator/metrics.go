package main

import (
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/metrics"
)

// setupMetrics adds the operator's scrape-time metrics to the manager's
// metrics endpoint. The per-event metrics (reconcile, render, savepoint,
// upgrade and REST error counts) register themselves when the metrics
// package loads.
func setupMetrics(mgr ctrl.Manager) error {
	setBuildInfo()
	if err := metrics.RegisterFleetCollector(mgr); err != nil {
		return fmt.Errorf("register the FlinkDeployment fleet metrics: %w", err)
	}
	return nil
}
