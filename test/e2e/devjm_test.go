//go:build e2e && !realflink

package e2e

import (
	"fmt"

	"github.com/flinkops/flink-operator/test/e2e/devjm"
)

// jobManager is what the fake JobManager service runs for a Flink
// cluster: which pod it plays, the job it started and what it restored from.
func jobManager(ns, name string) (*devjm.JobManagerInfo, error) {
	var all []devjm.JobManagerInfo
	if err := getJSON(env.devjmURL+devjm.DebugPrefix+"jobmanagers", &all); err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Namespace == ns && all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("no JobManager runs for %s/%s", ns, name)
}
