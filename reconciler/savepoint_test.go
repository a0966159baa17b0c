package reconciler_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// eventLog records the events of a directly driven reconciler.
type eventLog struct {
	mu     sync.Mutex
	events []string // "Type Reason: note"
}

func (l *eventLog) Eventf(_ runtime.Object, _ runtime.Object, eventtype, reason, _, note string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, eventtype+" "+reason+": "+fmt.Sprintf(note, args...))
}

// matching lists the events that start with prefix ("Warning SavepointError")
// and contain text.
func (l *eventLog) matching(prefix, text string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		if strings.HasPrefix(e, prefix+":") && strings.Contains(e, text) {
			out = append(out, e)
		}
	}
	return out
}

// recordEvents gives the driver's reconciler an event log.
func recordEvents(d *driver) *eventLog {
	l := &eventLog{}
	d.r.Recorder = l
	return l
}

// savepointTriggers counts savepoints (not stops) triggered on every
// cluster, a deduplicated retry not counting again.
func (s *sim) savepointTriggers() int {
	n := 0
	for _, c := range s.clusters {
		n += c.Counters().SavepointTriggers
	}
	return n
}

func setNonce(n int64) func(*v1beta1.FlinkDeployment) {
	return func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.SavepointTriggerNonce = ptr.To(n) }
}

// served: the savepoint of nonce n is recorded and nothing is pending.
func served(n int64) func(*v1beta1.FlinkDeployment) bool {
	return func(fd *v1beta1.FlinkDeployment) bool {
		info := fd.Status.JobStatus.SavepointInfo
		return fd.Status.SavepointTrigger == nil && info != nil && info.LastSavepoint != nil &&
			info.LastSavepoint.TriggerNonce != nil && *info.LastSavepoint.TriggerNonce == n
	}
}

// settled: no manual or periodic savepoint is pending and the spec's
// generation is reconciled.
func settled(fd *v1beta1.FlinkDeployment) bool {
	return fd.Status.SavepointTrigger == nil && fd.Status.ObservedGeneration == fd.Generation
}

func assertJobKeptRunning(t *testing.T, d *driver) {
	t.Helper()
	assert.Equal(t, 0, d.sim.stopTriggers(), "the job was not stopped")
	assert.Len(t, d.sim.starts, 1, "no new job submission")
	state, _ := d.sim.cluster.JobState(d.sim.starts[0].JobID)
	assert.Equal(t, flinkrest.JobRunning, state)
}

func TestManualSavepointIsTakenOncePerNonce(t *testing.T) {
	d := deployRunning(t, "manual", "v1_20", statefulSpec("manual", "savepoint", ""))
	events := recordEvents(d)

	updateFD(t, d.sim.ns, "manual", setNonce(1))
	fd := d.until("savepoint of nonce 1 recorded", 20, served(1))
	assert.Equal(t, 1, d.sim.savepointTriggers())
	sp := fd.Status.JobStatus.SavepointInfo.LastSavepoint
	assert.True(t, strings.HasPrefix(sp.Location, "s3://bucket/savepoints/savepoint-"), sp.Location)
	assert.Equal(t, "MANUAL", sp.TriggerType)
	assert.Equal(t, "CANONICAL", sp.FormatType)
	assert.Equal(t, []v1beta1.Savepoint{*sp}, fd.Status.JobStatus.SavepointInfo.SavepointHistory)
	assert.Empty(t, fd.Status.JobStatus.SavepointInfo.TriggerID)
	assert.Empty(t, fd.Status.JobStatus.UpgradeSavepointPath, "not a restore path for upgrades")
	assert.Equal(t, fd.Generation, fd.Status.ObservedGeneration, "the nonce is consumed")
	assertJobKeptRunning(t, d)
	reqs := d.sim.cluster.RequestsTo("POST /jobs/:jobid/savepoints")
	require.Len(t, reqs, 1)
	assert.Contains(t, string(reqs[0].Body), `"target-directory":"s3://bucket/savepoints"`)
	assert.Contains(t, string(reqs[0].Body), `"cancel-job":false`)
	assert.Len(t, events.matching("Normal Savepoint", "MANUAL savepoint (spec.job.savepointTriggerNonce 1) completed at "+sp.Location), 1)

	// More passes take nothing more: the nonce is consumed.
	for i := 0; i < 5; i++ {
		require.NoError(t, d.pass())
	}
	assert.Equal(t, 1, d.sim.savepointTriggers())
	fd = getFD(t, d.sim.ns, "manual")
	assert.Equal(t, v1beta1.LifecycleStable, fd.Status.LifecycleState)

	// Each new nonce takes one more; a lost answer to the trigger is
	// retried as the same savepoint; history stays bounded.
	d.sim.cluster.InjectFault(fakejm.Fault{Route: "POST /jobs/:jobid/savepoints", DropResponse: true, Times: 1})
	for n := int64(2); n <= 12; n++ {
		updateFD(t, d.sim.ns, "manual", setNonce(n))
		fd = d.until(fmt.Sprintf("savepoint of nonce %d recorded", n), 20, served(n))
	}
	assert.Equal(t, 12, d.sim.savepointTriggers(), "one savepoint per nonce")
	history := fd.Status.JobStatus.SavepointInfo.SavepointHistory
	require.Len(t, history, 10, "bounded")
	assert.Equal(t, int64(3), *history[0].TriggerNonce)
	assert.Equal(t, int64(12), *history[9].TriggerNonce)
	assertJobKeptRunning(t, d)
}

func TestManualSavepointRetriesThenSucceeds(t *testing.T) {
	d := deployRunning(t, "retry", "v1_20", statefulSpec("retry", "savepoint", ""))
	events := recordEvents(d)
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined (tasks not ready)"})

	updateFD(t, d.sim.ns, "retry", setNonce(1))
	fd := d.until("first attempt failed", 20, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.SavepointTrigger != nil && fd.Status.SavepointTrigger.Failures == 1
	})
	assert.Contains(t, fd.Status.SavepointTrigger.LastFailure, "Checkpoint was declined")
	assert.NotEmpty(t, events.matching("Warning SavepointError", "attempt 1 failed, retrying"))

	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{})
	fd = d.until("savepoint recorded", 100, served(1))
	assert.Equal(t, 2, d.sim.savepointTriggers())
	assert.True(t, settled(fd))
	assertJobKeptRunning(t, d)
}

func TestManualSavepointGivesUpAfterTheGracePeriod(t *testing.T) {
	doc := statefulSpec("giveup", "savepoint", "    kubernetes.operator.savepoint.trigger.grace-period: 300 ms")
	d := deployRunning(t, "giveup", "v1_20", doc)
	events := recordEvents(d)
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined (tasks not ready)"})

	updateFD(t, d.sim.ns, "giveup", setNonce(1))
	fd := d.until("given up", 200, settled)
	assert.Nil(t, fd.Status.JobStatus.SavepointInfo.LastSavepoint, "nothing to record")
	triggers := d.sim.savepointTriggers()
	assert.GreaterOrEqual(t, triggers, 2, "retried within the grace period")
	gaveUp := events.matching("Warning SavepointError", "is given up: the grace period (300ms, kubernetes.operator.savepoint.trigger.grace-period) is over")
	require.Len(t, gaveUp, 1)
	assert.Contains(t, gaveUp[0], "Checkpoint was declined")
	assertJobKeptRunning(t, d)

	// Given up means consumed: no more attempts for this nonce.
	for i := 0; i < 5; i++ {
		require.NoError(t, d.pass())
	}
	assert.Equal(t, triggers, d.sim.savepointTriggers())
}

func TestManualSavepointIsDroppedWhenTheJobStops(t *testing.T) {
	d := deployRunning(t, "dropped", "v1_20", statefulSpec("dropped", "savepoint", ""))
	events := recordEvents(d)
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "dropped", setNonce(1))
	d.until("in flight", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.SavepointTrigger != nil })

	require.NoError(t, d.sim.cluster.FailJob(d.sim.starts[0].JobID, "java.lang.RuntimeException", "boom"))
	fd := d.until("dropped", 10, settled)
	assert.Nil(t, fd.Status.JobStatus.SavepointInfo.LastSavepoint)
	assert.Empty(t, fd.Status.JobStatus.SavepointInfo.TriggerID)
	assert.Len(t, events.matching("Warning SavepointError", "dropped: the job stopped running (FAILED)"), 1)
}

func TestPeriodicSavepoints(t *testing.T) {
	doc := statefulSpec("periodic", "savepoint", "    kubernetes.operator.periodic.savepoint.interval: 400 ms")
	d := deployRunning(t, "periodic", "v1_20", doc)
	fd, info := twoPeriodicSavepoints(t, d, 300)
	gap := time.UnixMilli(info.SavepointHistory[1].TimeStamp).Sub(time.UnixMilli(info.SavepointHistory[0].TimeStamp))
	assert.GreaterOrEqual(t, gap, 400*time.Millisecond, "at the interval, not faster")
	assert.GreaterOrEqual(t, info.LastPeriodicSavepointTimestamp, fd.CreationTimestamp.UnixMilli()+400)
	assert.Equal(t, len(info.SavepointHistory), d.sim.savepointTriggers())
	assertJobKeptRunning(t, d)
}

// twoPeriodicSavepoints drives passes until two savepoints are recorded
// and checks that both are periodic ones in the configured directory.
func twoPeriodicSavepoints(t *testing.T, d *driver, passes int) (*v1beta1.FlinkDeployment, *v1beta1.SavepointInfo) {
	t.Helper()
	fd := d.until("two periodic savepoints", passes, func(fd *v1beta1.FlinkDeployment) bool {
		info := fd.Status.JobStatus.SavepointInfo
		return info != nil && len(info.SavepointHistory) >= 2 && fd.Status.SavepointTrigger == nil
	})
	info := fd.Status.JobStatus.SavepointInfo
	for _, sp := range info.SavepointHistory {
		assert.Equal(t, "PERIODIC", sp.TriggerType)
		assert.Nil(t, sp.TriggerNonce)
		assert.True(t, strings.HasPrefix(sp.Location, "s3://bucket/savepoints/"), sp.Location)
	}
	return fd, info
}

// TestPeriodicSavepointsByCron: a Quartz cron expression (every second)
// schedules periodic savepoints too, at most one per fire time.
func TestPeriodicSavepointsByCron(t *testing.T) {
	doc := statefulSpec("cron", "savepoint", `    kubernetes.operator.periodic.savepoint.interval: "* * * * * ?"`)
	d := deployRunning(t, "cron", "v1_20", doc)
	fd, info := twoPeriodicSavepoints(t, d, 600)
	// At most one trigger per fire time: whole seconds since the resource
	// was created (its timestamp is in whole seconds), counting both ends.
	fireTimes := int(time.Since(fd.CreationTimestamp.Time)/time.Second) + 1
	assert.LessOrEqual(t, d.sim.savepointTriggers(), fireTimes)
	assert.Equal(t, len(info.SavepointHistory), d.sim.savepointTriggers())
	assertJobKeptRunning(t, d)
}

// TestUpgradeWaitsForTheSavepointInFlight: an upgrade arriving while a
// manual savepoint is in flight waits for it, records it, then upgrades
// with its own savepoint.
func TestUpgradeWaitsForTheSavepointInFlight(t *testing.T) {
	d := deployRunning(t, "spup", "v1_20", statefulSpec("spup", "savepoint", ""))
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "spup", setNonce(1))
	fd := d.until("in flight", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.SavepointTrigger != nil })
	triggerID := fd.Status.JobStatus.SavepointInfo.TriggerID
	require.NotEmpty(t, triggerID)

	updateFD(t, d.sim.ns, "spup", newImage)
	fd = d.until("upgrade held", 10, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "upgrade waiting for the MANUAL savepoint in progress")
	})
	for i := 0; i < 3; i++ {
		require.NoError(t, d.pass())
	}
	assert.Equal(t, 0, d.sim.stopTriggers(), "no stop while the savepoint runs")
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "spup"))

	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 1})
	require.NoError(t, d.sim.cluster.CompleteOperation(triggerID))
	fd = d.until("upgraded", 40, running)
	history := fd.Status.JobStatus.SavepointInfo.SavepointHistory
	require.Len(t, history, 2, "the manual savepoint recorded, then the upgrade's")
	assert.Equal(t, "MANUAL", history[0].TriggerType)
	assert.Equal(t, int64(1), *history[0].TriggerNonce)
	assert.Equal(t, "UPGRADE", history[1].TriggerType)
	assert.Equal(t, 1, d.sim.savepointTriggers())
	assert.Equal(t, 1, d.sim.stopTriggers())
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, history[1].Location, d.sim.starts[1].RestorePath)
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "spup"))
	assert.Nil(t, fd.Status.SavepointTrigger)
}

// TestUpgradeIsNotBlockedBeyondTheSavepointTimeout: a savepoint that never
// completes holds an upgrade for SavepointTimeout at most.
func TestUpgradeIsNotBlockedBeyondTheSavepointTimeout(t *testing.T) {
	d := deployRunning(t, "sphung", "v1_20", statefulSpec("sphung", "savepoint", ""))
	events := recordEvents(d)
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "sphung", setNonce(1))
	d.until("in flight", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.SavepointTrigger != nil })
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 1})

	start := time.Now()
	updateFD(t, d.sim.ns, "sphung", newImage)
	fd := d.until("upgraded", 200, running)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "waited for the savepoint's own timeout (1 s)")
	assert.Len(t, events.matching("Warning SavepointError", "did not complete within 1s and an upgrade of the job comes first"), 1)
	assert.Equal(t, "UPGRADE", fd.Status.JobStatus.SavepointInfo.LastSavepoint.TriggerType)
	assert.Equal(t, int64(1), *consumedNonceOf(t, fd), "the dropped nonce is consumed")
	require.Len(t, d.sim.starts, 2)
}

// TestNonceChangedWithAnUpgradeIsServedAfterIt: the upgrade does not
// consume the nonce; the savepoint is taken of the upgraded job.
func TestNonceChangedWithAnUpgradeIsServedAfterIt(t *testing.T) {
	d := deployRunning(t, "both", "v1_20", statefulSpec("both", "last-state", haConfig))
	updateFD(t, d.sim.ns, "both", func(fd *v1beta1.FlinkDeployment) {
		newImage(fd)
		fd.Spec.Job.SavepointTriggerNonce = ptr.To[int64](7)
	})
	fd := d.until("upgraded and savepoint taken", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) && served(7)(fd)
	})
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, 1, d.sim.clusters[1].Counters().SavepointTriggers, "taken of the upgraded job")
	assert.Equal(t, 0, d.sim.clusters[0].Counters().SavepointTriggers)
	assert.Equal(t, int64(7), *consumedNonceOf(t, fd))
}

func consumedNonceOf(t *testing.T, fd *v1beta1.FlinkDeployment) *int64 {
	t.Helper()
	spec, err := v1beta1.ParseReconciledSpec(fd.Status.ReconciliationStatus.LastReconciledSpec)
	require.NoError(t, err)
	return spec.Job.SavepointTriggerNonce
}
