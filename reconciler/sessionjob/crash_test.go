package sessionjob_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestCrashDuringSubmission kills the operator (drops the reconciler and
// all it holds in memory) at each boundary of the submission, or loses the
// run's answer, and restarts it. Whatever happens, Flink runs exactly one
// job, under the id recorded before anything was sent.
func TestCrashDuringSubmission(t *testing.T) {
	for _, tc := range []struct {
		name string
		// crash drives the first operator until it dies; it returns the
		// recorded job id.
		crash func(t *testing.T, ns string, cluster *fakejm.Cluster)
		// orphans is how many jars are left once the job runs: none, as
		// the upload after a restart sweeps the jar a crash left.
		orphans int
	}{
		{
			name: "between the write-ahead and the upload",
			crash: func(t *testing.T, ns string, _ *fakejm.Cluster) {
				r, _ := newReconciler(k8s, nil)
				driveUntil(t, r, ns, 3, "id recorded", func(sj *v1beta1.FlinkSessionJob) bool { return sj.Status.Upgrade != nil })
			},
		},
		{
			name: "between the upload and status.jar",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				r, _ := newReconciler(k8s, stopAt(sessionjob.HookUploaded))
				driveUntil(t, r, ns, 5, "uploaded", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().JarUploads == 1 })
				require.Nil(t, getSJ(t, ns).Status.Jar, "the crash came before status.jar")
				require.Len(t, cluster.Jars(), 1, "the crash left a jar that no status names")
			},
		},
		{
			name: "between the run and its status write",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				r, _ := newReconciler(k8s, stopAt(sessionjob.HookRun))
				driveUntil(t, r, ns, 6, "run", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().JarRuns == 1 })
				require.Nil(t, getSJ(t, ns).Status.DeployedWith, "the crash came before the deployed record")
			},
		},
		{
			name: "a run whose answer is lost on the way back",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				cluster.InjectFault(fakejm.Fault{Route: "POST /jars/:jarid/run", DropResponse: true, Times: 1})
				r, _ := newReconciler(k8s, nil)
				driveUntil(t, r, ns, 6, "run sent", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().JarRuns == 1 })
				sj := getSJ(t, ns)
				require.Nil(t, sj.Status.DeployedWith)
				assert.Contains(t, sj.Status.Error, "the next pass asks the JobManager whether it started")
			},
		},
		{
			name: "a run that times out before the JobManager handles it",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				cluster.InjectFault(fakejm.Fault{Route: "POST /jars/:jarid/run", Latency: 5 * time.Second, Times: 1})
				r, _ := newReconciler(k8s, nil)
				r.RESTTimeout, r.RunTimeout = 300*time.Millisecond, 300*time.Millisecond
				driveUntil(t, r, ns, 6, "run timed out", func(sj *v1beta1.FlinkSessionJob) bool {
					return strings.Contains(sj.Status.Error, "run job")
				})
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			cluster := createSession(t, ns, readySession)
			createSessionJob(t, ns, sessionJobDoc(""))
			tc.crash(t, ns, cluster)
			up := getSJ(t, ns).Status.Upgrade
			require.NotNil(t, up, "the write-ahead record survives the crash")
			jobID := up.JobID

			restarted, _ := newReconciler(k8s, nil)
			driveUntil(t, restarted, ns, 10, "RUNNING after the restart", running)
			sj := getSJ(t, ns)
			assert.Equal(t, jobID, sj.Status.JobStatus.JobID, "the job id is never lost")
			assert.Equal(t, jobID, sj.Status.DeployedWith.JobID)
			assert.Equal(t, 1, cluster.Counters().JarRuns, "the job is submitted exactly once")
			state, ok := cluster.JobState(jobID)
			require.True(t, ok)
			assert.Equal(t, flinkrest.JobRunning, state)
			jars := cluster.Jars()
			assert.Len(t, jars, tc.orphans, "jars left on the JobManager")
			for _, j := range jars {
				assert.Equal(t, ns+"_orders_1.jar", j.Name, "a jar left behind is named after its session job")
			}
		})
	}
}

// stopAt stops a pass at a hook, as a crash there would.
func stopAt(step string) func(string) bool {
	return func(s string) bool { return s == step }
}
