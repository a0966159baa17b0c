package gate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A session cluster whose change restarts its JobManager is held while
// FlinkSessionJobs run on it: the restart would end their jobs without a
// savepoint. Once none runs (each suspended, with its savepoint), it is
// taken down as before. A change that restarts nothing is not held.
func TestSessionUpgradeWaitsForItsRunningSessionJobs(t *testing.T) {
	session := defaulted(&v1beta1.FlinkDeploymentSpec{Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink"})
	in := upgradeInput(t, session, withImage(session, "flink:1.20.1"), Observation{JobManager: v1beta1.JMReady})
	in.Status.DeployedWith, in.Status.JobStatus = nil, v1beta1.JobStatus{}
	in.SessionJobsRunning = []string{"ns/orders", "ns/payments"}

	d := Decide(in)
	require.NotNil(t, d.Apply, "the running session is kept as it is")
	assert.Equal(t, "flink:1.20", d.Apply.Target.Image, "the deployed spec, not the new one")
	assert.Nil(t, d.Status.Upgrade, "nothing recorded")
	assert.Contains(t, d.Hold, "FlinkSessionJobs ns/orders, ns/payments run on this session")
	assert.Contains(t, d.Hold, "spec.job.state: suspended")
	var held []Event
	for _, e := range d.Events {
		if e.Reason == ReasonUpgradeHeld {
			held = append(held, e)
		}
	}
	require.Len(t, held, 1)
	assert.True(t, held[0].Warning)

	in.SessionJobsRunning = nil
	d = Decide(in)
	require.NotNil(t, d.Status.Upgrade, "taken down once none runs")
	assert.Equal(t, v1beta1.PhaseTakingDown, d.Status.Upgrade.Phase)
}
