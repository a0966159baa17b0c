package sessionjob_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// What a savepoint upgrade of a session job does when the stop's answer
// goes missing: the gate's stop table (gate/sessionjob_stop.go) on a real
// API server and a fake JobManager, driven as a user would meet it.

// TestStopWhoseTriggerFlinkForgotRestoresItsSavepoint: the stop is sent
// and completes, but Flink no longer knows its trigger when the operator
// asks (the operator was down longer than Flink keeps finished
// operations: rest.async.store-duration). The job is FINISHED, so the
// same trigger cannot be sent again. The savepoint the job's statistics
// report since the trigger is the stop's: the new job restores it, with
// no manual restore and no second stop. Each pass is a restarted operator.
func TestStopWhoseTriggerFlinkForgotRestoresItsSavepoint(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/savepoints/:triggerid", Status: http.StatusNotFound,
		Errors: []string{"org.apache.flink.runtime.rest.handler.RestHandlerException: There is no savepoint operation with triggerId for job"}})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	restartedUntil(t, ns, 6, "the stop sent", func(*v1beta1.FlinkSessionJob) bool { return len(stopOps(cluster)) == 1 })
	stop := stopOps(cluster)[0]
	require.NoError(t, cluster.CompleteOperation(stop.RequestID))
	state, _ := cluster.JobState(oldID)
	require.Equal(t, flinkrest.JobFinished, state)

	restartedUntil(t, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	sj := getSJ(t, ns)
	ops := stopOps(cluster)
	require.Len(t, ops, 1, "one stop for one upgrade")
	require.NotEmpty(t, ops[0].Location)
	assert.Equal(t, ops[0].Location, runBody(t, cluster, 1)["savepointPath"], "the new job restores the stop's savepoint")
	assert.Equal(t, ops[0].Location, sj.Status.JobStatus.UpgradeSavepointPath)
	assert.EqualValues(t, 3, runBody(t, cluster, 1)["parallelism"])
	assert.NotContains(t, sj.Status.Error, "Manual restore")
}

// TestStopPastTheSavepointTimeoutLosesNothing: after the stop is sent the
// JobManager stops answering REST altogether. The operator waits up to
// its --savepoint-timeout, then counts the attempt as failed; while REST
// stays silent it neither retries blind nor submits, however long it
// waits. The stop then turns out to have completed: once REST answers,
// the job is FINISHED, and the change is planned again from the job's
// newest savepoint, the stop's, rather than held or started empty.
func TestStopPastTheSavepointTimeoutLosesNothing(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	now := time.Now()
	r, rec := newReconciler(k8s, nil)
	r.Now = func() time.Time { return now }
	r.RESTTimeout = 200 * time.Millisecond
	passes := func(n int) {
		for range n {
			_, _ = reconcileOnce(t, r, ns)
		}
	}
	passes(3)
	require.Len(t, stopOps(cluster), 1, "the stop was sent")
	stop := stopOps(cluster)[0]
	cluster.InjectFault(fakejm.Fault{Latency: 5 * time.Second}) // every REST call hangs

	passes(2)
	sj := getSJ(t, ns)
	require.NotNil(t, sj.Status.Upgrade)
	assert.Equal(t, stop.RequestID, sj.Status.Upgrade.TriggerID, "within the timeout: the same trigger is waited for")

	now = now.Add(11 * time.Minute) // past the default --savepoint-timeout of 10 minutes
	passes(1)
	sj = getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "--savepoint-timeout")
	assert.Contains(t, sj.Status.Error, "attempt 1 of 3")
	assert.Contains(t, sj.Status.Error, "keeps running")
	require.NotNil(t, sj.Status.Upgrade)
	assert.Empty(t, sj.Status.Upgrade.TriggerID, "the attempt is counted and its trigger dropped")

	now = now.Add(time.Hour) // the back-off is long over; REST is still silent
	passes(3)
	assert.Len(t, stopOps(cluster), 1, "no retry while the job's state is unknown")
	assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted")
	assert.EqualValues(t, 1, getSJ(t, ns).Status.Upgrade.Failures)

	// The stop completed after all, and REST answers again.
	require.NoError(t, cluster.CompleteOperation(stop.RequestID))
	cluster.ClearFaults()
	driveUntil(t, r, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	ops := stopOps(cluster)
	require.Len(t, ops, 1, "no second stop of a job that ended")
	assert.Equal(t, ops[0].Location, runBody(t, cluster, 1)["savepointPath"], "restored from the stop's savepoint")
	assert.EqualValues(t, 3, runBody(t, cluster, 1)["parallelism"])
	replanned := false
	for _, msg := range rec.byReason("SavepointError") {
		replanned = replanned || strings.Contains(msg.Note, "planning generation")
	}
	assert.True(t, replanned, "a Warning says why the stop was given up and the change planned again")
}
