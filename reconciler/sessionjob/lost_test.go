package sessionjob_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// restartWithoutHA replaces the session's JobManager by a new one that
// knows no job, as a session without high availability comes back after
// its JobManager pod was killed.
func restartWithoutHA(t *testing.T, ns string) *fakejm.Cluster {
	t.Helper()
	fresh, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	jobs.Remove("/" + ns + "/session")
	require.NoError(t, jobs.Add("/"+ns+"/session", fresh))
	return fresh
}

// TestLostStatefulJobIsNotStartedEmpty: the session's JobManager restarts
// without HA and forgets a savepoint job. Submitting it again empty would
// lose its state, and its latest checkpoint cannot be asked for any more:
// the operator holds (Manual restore required, Stalled) and says how to
// restore it, and the way it names does: initialSavepointPath with a new
// savepointRedeployNonce submits the job from that path.
func TestLostStatefulJobIsNotStartedEmpty(t *testing.T) {
	ns := newNamespace(t)
	_, lostID := runningJob(t, ns, "")
	fresh := restartWithoutHA(t, ns)

	restartedUntil(t, ns, 3, "held", func(sj *v1beta1.FlinkSessionJob) bool {
		return strings.HasPrefix(sj.Status.Error, sessionjob.ManualRestorePrefix)
	})
	sj := getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "job lost: job "+lostID+" is not on session session's JobManager")
	assert.Contains(t, sj.Status.Error, "spec.job.initialSavepointPath", "it says how to restore the job")
	assert.Contains(t, sj.Status.Error, "savepointRedeployNonce")
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"))
	assert.Zero(t, fresh.Counters().JarRuns, "nothing submitted empty")

	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) {
		sj.Spec.Job.InitialSavepointPath = "s3://bucket/checkpoints/" + lostID + "/chk-42"
		nonce := int64(1)
		sj.Spec.Job.SavepointRedeployNonce = &nonce
	})
	restartedUntil(t, ns, 12, "redeployed from the given path", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != lostID
	})
	runs := fresh.RequestsTo("POST /jars/:jarid/run")
	require.Len(t, runs, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(runs[0].Body, &body))
	assert.Equal(t, "s3://bucket/checkpoints/"+lostID+"/chk-42", body["savepointPath"])
	assert.Empty(t, getSJ(t, ns).Status.Error)
}

// TestLostStatelessJobIsSubmittedAgain: a stateless job keeps nothing a
// restart would lose, so a lost one is submitted again, under a new job id
// recorded first, exactly once.
func TestLostStatelessJobIsSubmittedAgain(t *testing.T) {
	ns := newNamespace(t)
	createSession(t, ns, readySession)
	createSessionJob(t, ns, strings.Replace(sessionJobDoc(""), "upgradeMode: savepoint", "upgradeMode: stateless", 1))
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 10, "RUNNING", running)
	lostID := getSJ(t, ns).Status.JobStatus.JobID
	fresh := restartWithoutHA(t, ns)

	restartedUntil(t, ns, 12, "RUNNING again", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != lostID
	})
	assert.Equal(t, 1, fresh.Counters().JarRuns)
	runs := fresh.RequestsTo("POST /jars/:jarid/run")
	var body map[string]any
	require.NoError(t, json.Unmarshal(runs[0].Body, &body))
	assert.Empty(t, body["savepointPath"], "empty, as stateless")
	assert.Empty(t, getSJ(t, ns).Status.Error)
}

// TestJobFoundAgainClearsTheLostHold: a JobManager that answered without
// the job and then has it again (a session recovering its jobs from HA
// slowly) clears the hold; nothing was submitted meanwhile.
func TestJobFoundAgainClearsTheLostHold(t *testing.T) {
	ns := newNamespace(t)
	old, jobID := runningJob(t, ns, "")
	fresh := restartWithoutHA(t, ns)
	restartedUntil(t, ns, 3, "held", func(sj *v1beta1.FlinkSessionJob) bool {
		return strings.HasPrefix(sj.Status.Error, sessionjob.ManualRestorePrefix)
	})
	jobs.Remove("/" + ns + "/session")
	require.NoError(t, jobs.Add("/"+ns+"/session", old))
	restartedUntil(t, ns, 3, "the hold cleared", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.Error == "" && running(sj) && sj.Status.JobStatus.JobID == jobID
	})
	assert.Zero(t, fresh.Counters().JarRuns)
	assert.Equal(t, 1, old.Counters().JarRuns)
}
