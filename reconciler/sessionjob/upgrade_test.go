package sessionjob_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestStatelessUpgradeCancelsThenSubmits: a job change with upgradeMode
// stateless cancels the job, waits until it is CANCELED, and submits the
// new spec empty under an id recorded before the cancel. The operator is
// restarted after each pass of the upgrade: nothing it holds in memory
// matters.
func TestStatelessUpgradeCancelsThenSubmits(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	// upgradeMode stateless, and a new parallelism, in one edit.
	sj := getSJ(t, ns)
	sj.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless
	sj.Spec.Job.Parallelism = 3
	require.NoError(t, k8s.Update(context.Background(), sj))
	cluster.SetCancelReads(2)

	r, rec := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj = getSJ(t, ns)
	require.NotNil(t, sj.Status.Upgrade)
	assert.Equal(t, v1beta1.PhaseTakingDown, sj.Status.Upgrade.Phase)
	newID := sj.Status.Upgrade.JobID
	assert.NotEqual(t, oldID, newID)
	assert.Zero(t, cluster.Counters().Cancels, "the upgrade is recorded before the cancel")
	require.Len(t, rec.byReason("StatelessUpgrade"), 1)
	assert.Contains(t, rec.byReason("StatelessUpgrade")[0].Note, "cancelling job "+oldID)

	for i := 0; i < 15 && !(running(getSJ(t, ns)) && getSJ(t, ns).Status.JobStatus.JobID == newID); i++ {
		restarted, _ := newReconciler(k8s, nil)
		_, _ = reconcileOnce(t, restarted, ns)
		if _, submitted := cluster.JobState(newID); submitted {
			old, _ := cluster.JobState(oldID)
			assert.True(t, old.IsGloballyTerminal(), "the new job was submitted while the old one was %s", old)
		}
	}
	sj = getSJ(t, ns)
	require.True(t, running(sj), "status: %+v", sj.Status)
	assert.Equal(t, newID, sj.Status.JobStatus.JobID, "the recorded id is the new job's")
	assert.Equal(t, newID, sj.Status.DeployedWith.JobID)
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration)
	assert.Empty(t, sj.Status.Error)

	c := cluster.Counters()
	assert.Equal(t, 1, c.Cancels, "the old job is cancelled once")
	assert.Equal(t, 2, c.JarRuns, "one new submission")
	old, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobCanceled, old)
	runs := cluster.RequestsTo("POST /jars/:jarid/run")
	require.Len(t, runs, 2)
	var body map[string]any
	require.NoError(t, json.Unmarshal(runs[1].Body, &body))
	assert.EqualValues(t, 3, body["parallelism"])
	assert.Nil(t, body["savepointPath"], "stateless: the new job starts empty")
	uploads := cluster.RequestsTo("POST /jars/upload")
	require.Len(t, uploads, 2)
	assert.True(t, strings.Contains(string(uploads[1].Body), `filename="`+ns+`_orders_2.jar"`), "the jar is named after the new generation")
	assert.Empty(t, cluster.Jars())
}
