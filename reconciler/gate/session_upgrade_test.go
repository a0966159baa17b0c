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
	in.SessionJobsWatched = true

	d := Decide(in)
	require.NotNil(t, d.Apply, "the running session is kept as it is")
	assert.Equal(t, "flink:1.20", d.Apply.Target.Image, "the deployed spec, not the new one")
	assert.Nil(t, d.Status.Upgrade, "nothing recorded")
	assert.Contains(t, d.Hold, "FlinkSessionJobs ns/orders, ns/payments run on this session")
	assert.Contains(t, d.Hold, "stopped with a savepoint first")
	require.NotNil(t, d.Status.SessionUpgrade, "the session jobs are told to stop with a savepoint")
	assert.Equal(t, int64(2), d.Status.SessionUpgrade.TargetGeneration)
	var held []Event
	for _, e := range d.Events {
		if e.Reason == ReasonUpgradeHeld {
			held = append(held, e)
		}
	}
	require.Len(t, held, 1)
	assert.True(t, held[0].Warning)

	in.SessionJobsRunning = nil
	in.Status = &d.Status
	d = Decide(in)
	require.NotNil(t, d.Status.Upgrade, "taken down once none runs")
	assert.Equal(t, v1beta1.PhaseTakingDown, d.Status.Upgrade.Phase)
	assert.NotNil(t, d.Status.SessionUpgrade, "kept while the session restarts: its jobs wait")

	// The session runs its spec: the session jobs may resume.
	upgraded := upgradeInput(t, withImage(session, "flink:1.20.1"), withImage(session, "flink:1.20.1"), Observation{JobManager: v1beta1.JMReady})
	upgraded.Status.DeployedWith, upgraded.Status.JobStatus = nil, v1beta1.JobStatus{}
	upgraded.Status.SessionUpgrade = &v1beta1.SessionUpgrade{TargetGeneration: 2}
	d = Decide(upgraded)
	assert.Nil(t, d.Status.SessionUpgrade)
}

// A session change undone while its session jobs were stopping ends the
// wait too: they resume on the session as it is.
func TestSessionUpgradeUndoneLetsTheSessionJobsResume(t *testing.T) {
	session := defaulted(&v1beta1.FlinkDeploymentSpec{Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink"})
	in := upgradeInput(t, session, session, Observation{JobManager: v1beta1.JMReady})
	in.Status.DeployedWith, in.Status.JobStatus = nil, v1beta1.JobStatus{}
	in.Status.SessionUpgrade = &v1beta1.SessionUpgrade{TargetGeneration: 2}
	in.SessionJobsRunning = []string{"ns/orders"}
	in.SessionJobsWatched = true
	d := Decide(in)
	assert.Nil(t, d.Status.SessionUpgrade)
	assert.Empty(t, d.Hold)
}

// With the FlinkSessionJob controller on, a session's restart is
// announced (status.sessionUpgrade) one decision before its take-down even
// when no session job runs, so that one about to submit waits instead;
// without it, or once announced, the session restarts at once.
func TestSessionRestartIsAnnouncedFirst(t *testing.T) {
	session := defaulted(&v1beta1.FlinkDeploymentSpec{Image: "flink:1.20", FlinkVersion: "v1_20", ServiceAccount: "flink"})
	in := upgradeInput(t, session, withImage(session, "flink:1.20.1"), Observation{JobManager: v1beta1.JMReady})
	in.Status.DeployedWith, in.Status.JobStatus = nil, v1beta1.JobStatus{}

	d := Decide(in)
	require.NotNil(t, d.Status.Upgrade, "no session-job controller: restarted at once")
	assert.Nil(t, d.Status.SessionUpgrade)

	in.SessionJobsWatched = true
	d = Decide(in)
	assert.Nil(t, d.Status.Upgrade, "announced first")
	require.NotNil(t, d.Status.SessionUpgrade)
	assert.Contains(t, d.Hold, "so that none starts a job on it meanwhile")
	for _, e := range d.Events {
		assert.False(t, e.Warning, "a one-decision wait is no warning: %s", e.Message)
	}

	in.Status = &d.Status
	d = Decide(in)
	require.NotNil(t, d.Status.Upgrade, "then restarted")
	assert.Equal(t, v1beta1.PhaseTakingDown, d.Status.Upgrade.Phase)
}
