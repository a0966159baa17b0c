package sessionjob_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestSubmitsToARunningJob(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(`  flinkConfiguration:
    pipeline.max-parallelism: 64
    kubernetes.operator.job.savepoint-on-deletion: "false"
`))
	r, rec := newReconciler(k8s, nil)

	// The first pass adds the finalizer and records the id: nothing sent.
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	assert.Contains(t, sj.Finalizers, "flink.apache.org/finalizer")
	assert.Equal(t, "session", sj.Labels[v1beta1.TargetSessionLabel], "labelled as the webhook would, with no webhook here")
	require.NotNil(t, sj.Status.Upgrade, "the job id is recorded before anything is sent")
	jobID := sj.Status.Upgrade.JobID
	assert.True(t, flinkrest.IsFlinkID(jobID))
	assert.Equal(t, v1beta1.PhaseDeploying, sj.Status.Upgrade.Phase)
	assert.Zero(t, cluster.Counters().JarUploads, "nothing is sent in the write-ahead pass")

	driveUntil(t, r, ns, 10, "RUNNING", running)
	sj = getSJ(t, ns)
	assert.Equal(t, jobID, sj.Status.JobStatus.JobID)
	require.NotNil(t, sj.Status.DeployedWith)
	assert.Equal(t, jobID, sj.Status.DeployedWith.JobID)
	assert.Equal(t, v1beta1.LifecycleStable, sj.Status.LifecycleState)
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration)
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"))
	assert.Empty(t, sj.Status.Error)

	c := cluster.Counters()
	assert.Equal(t, 1, c.JarUploads)
	assert.Equal(t, 1, c.JarRuns)
	assert.Equal(t, 1, c.JarDeletes, "the jar is deleted once the job runs")
	assert.Empty(t, cluster.Jars())
	state, ok := cluster.JobState(jobID)
	require.True(t, ok)
	assert.Equal(t, flinkrest.JobRunning, state)

	uploads := cluster.RequestsTo("POST /jars/upload")
	require.Len(t, uploads, 1)
	assert.Contains(t, string(uploads[0].Body), `filename="`+ns+`_orders_1.jar"`)
	runs := cluster.RequestsTo("POST /jars/:jarid/run")
	require.Len(t, runs, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(runs[0].Body, &body))
	assert.Equal(t, jobID, body["jobId"])
	assert.Equal(t, "org.example.Orders", body["entryClass"])
	assert.Equal(t, []any{"--topic", "orders"}, body["programArgsList"])
	assert.EqualValues(t, 2, body["parallelism"])
	assert.Equal(t, map[string]any{"pipeline.max-parallelism": "64",
		"execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"}, body["flinkConfiguration"],
		"the job's configuration, without the operator's own keys, and its checkpoints retained (a savepoint job)")
	assert.Len(t, rec.byReason("Submitted"), 1)
}

// TestLabelsTheSessionOfAJobTheWebhookDidNotSee: a running session job
// stored without the target.session label (the webhook off when it was
// created, or an older operator), or with a wrong one, gets the label on
// the next pass, and nothing else changes.
func TestLabelsTheSessionOfAJobTheWebhookDidNotSee(t *testing.T) {
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, "")
	for _, labels := range []map[string]string{nil, {v1beta1.TargetSessionLabel: "another-session", "team": "a"}} {
		sj := getSJ(t, ns)
		sj.Labels = labels
		require.NoError(t, k8s.Update(context.Background(), sj))
		r, _ := newReconciler(k8s, nil)
		_, err := reconcileOnce(t, r, ns)
		require.NoError(t, err)
		sj = getSJ(t, ns)
		assert.Equal(t, "session", sj.Labels[v1beta1.TargetSessionLabel])
		if labels != nil {
			assert.Equal(t, "a", sj.Labels["team"], "the user's own labels stay")
		}
		assert.Equal(t, jobID, sj.Status.JobStatus.JobID)
	}
	assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted again")
}

func TestRestoresFromInitialSavepointPath(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(`    initialSavepointPath: s3://bucket/savepoints/sp-1
    allowNonRestoredState: true
`))
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 10, "RUNNING", running)
	runs := cluster.RequestsTo("POST /jars/:jarid/run")
	require.Len(t, runs, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(runs[0].Body, &body))
	assert.Equal(t, "s3://bucket/savepoints/sp-1", body["savepointPath"])
	assert.Equal(t, true, body["allowNonRestoredState"])
	assert.Equal(t, "s3://bucket/savepoints/sp-1", getSJ(t, ns).Status.DeployedWith.RestorePath)
}

func TestWaitsForTheSessionAndSaysWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		kind    *sessionKind
		want    string
		stalled bool
	}{
		{name: "missing", want: "does not exist"},
		{name: "application cluster", kind: ptrTo(applicationCluster), want: "is an application cluster", stalled: true},
		{name: "not ready", kind: ptrTo(notReadySession), want: "is not READY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			var cluster *fakejm.Cluster
			if tc.kind != nil {
				cluster = createSession(t, ns, *tc.kind)
			}
			createSessionJob(t, ns, sessionJobDoc(""))
			r, _ := newReconciler(k8s, nil)
			for range 3 {
				_, err := reconcileOnce(t, r, ns)
				require.NoError(t, err)
			}
			sj := getSJ(t, ns)
			assert.Contains(t, sj.Status.Error, tc.want)
			assert.Contains(t, sj.Status.Error, ns+"/session")
			assert.Nil(t, sj.Status.Upgrade, "no job id is chosen for a session that cannot run it")
			assert.False(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"))
			assert.Equal(t, tc.stalled, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"))
			assert.Equal(t, !tc.stalled, meta.IsStatusConditionTrue(sj.Status.Conditions, "Reconciling"))
			if tc.stalled {
				assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration, "a stalled generation was seen (kstatus)")
			} else {
				assert.Zero(t, sj.Status.ObservedGeneration, "nothing submitted yet")
			}
			if cluster != nil {
				assert.Zero(t, cluster.Counters().JarUploads)
			}
			if tc.kind != nil && *tc.kind == notReadySession {
				setSessionStatus(t, ns, v1beta1.JMReady)
				driveUntil(t, r, ns, 10, "RUNNING once the session is READY", running)
				assert.Empty(t, getSJ(t, ns).Status.Error)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

// writeCounter counts the writes a client sends to the API server.
func writeCounter(n *atomic.Int64) client.WithWatch {
	count := func() { n.Add(1) }
	return interceptor.NewClient(k8s, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			count()
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			count()
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			count()
			return c.Patch(ctx, obj, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			count()
			return c.Delete(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			count()
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			count()
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
	})
}

// restWrites counts the requests that change something on the JobManager.
func restWrites(c *fakejm.Cluster) int {
	n := 0
	for _, req := range c.Requests() {
		if req.Method != "GET" {
			n++
		}
	}
	return n
}

func TestNoOpResyncWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 10, "RUNNING", running)
	reconcileOnce(t, r, ns) // settle: the first observation after RUNNING

	var apiWrites atomic.Int64
	resync, _ := newReconciler(writeCounter(&apiWrites), nil)
	before, rvBefore := restWrites(cluster), getSJ(t, ns).ResourceVersion
	for range 3 {
		_, err := reconcileOnce(t, resync, ns)
		require.NoError(t, err)
	}
	assert.Zero(t, apiWrites.Load(), "no API writes on a no-op resync")
	assert.Equal(t, before, restWrites(cluster), "no REST writes on a no-op resync")
	assert.Equal(t, rvBefore, getSJ(t, ns).ResourceVersion)
	assert.NotEmpty(t, cluster.RequestsTo("GET /jobs/:jobid"), "the job is read on each pass")
}

func TestSpecChangeAfterSubmissionIsHeld(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	r, rec := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 10, "RUNNING", running)
	jobID := getSJ(t, ns).Status.JobStatus.JobID
	before := restWrites(cluster)

	// A checkpoint nonce is held: this release takes no manual checkpoints.
	sj := getSJ(t, ns)
	sj.Spec.Job.CheckpointTriggerNonce = ptr.To[int64](1)
	require.NoError(t, k8s.Update(context.Background(), sj))
	for range 3 {
		_, err := reconcileOnce(t, r, ns)
		require.NoError(t, err)
	}
	sj = getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "spec.job.checkpointTriggerNonce changed: the checkpoint is held")
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"))
	assert.False(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"))
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration, "the held generation was seen")
	held := rec.byReason("SpecChangeHeld")
	require.Len(t, held, 1, "one Warning per held change, not one per pass")
	assert.Equal(t, "Warning", held[0].Type)
	assert.Equal(t, before, restWrites(cluster), "a held change sends nothing: the job is not cancelled")
	state, _ := cluster.JobState(jobID)
	assert.Equal(t, flinkrest.JobRunning, state)
	assert.Equal(t, "RUNNING", sj.Status.JobStatus.State)

	// Undoing the edit ends the hold.
	sj.Spec.Job.CheckpointTriggerNonce = nil
	require.NoError(t, k8s.Update(context.Background(), sj))
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj = getSJ(t, ns)
	assert.False(t, strings.Contains(sj.Status.Error, "held"), sj.Status.Error)
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"))
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration, "the generation with the undone edit runs")
}

func TestWithoutAFetcherNothingIsSent(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	r, _ := newReconciler(k8s, nil)
	r.FetchJar = nil
	for range 3 {
		_, err := reconcileOnce(t, r, ns)
		require.NoError(t, err)
	}
	sj := getSJ(t, ns)
	assert.Equal(t, sessionjob.NoFetcherMessage, sj.Status.Error)
	require.NotNil(t, sj.Status.Upgrade, "the id stays recorded")
	assert.Zero(t, restWrites(cluster), "nothing sent")
	assert.False(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"))
}

func TestAJarThatFailsItsChecksumIsNotUploaded(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	doc := strings.Replace(sessionJobDoc(""), "/job.jar", "/job.jar#sha256="+strings.Repeat("0", 64), 1)
	createSessionJob(t, ns, doc)
	r, rec := newReconciler(k8s, nil)
	for range 3 {
		_, _ = reconcileOnce(t, r, ns)
	}
	sj := getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "FlinkSessionJob/"+ns+"/orders: fetch spec.job.jarURI")
	assert.Contains(t, sj.Status.Error, "sha256 mismatch")
	assert.Zero(t, cluster.Counters().JarUploads)
	assert.NotEmpty(t, rec.byReason("Error"))
}

// TestInvalidSpecWithoutTheWebhook: with the webhook off the API server
// stores what the CRD allows; the controller refuses the rest itself
// (validation.ValidateSessionJob), naming the field and sending nothing,
// and a running job keeps running its last valid spec.
func TestInvalidSpecWithoutTheWebhook(t *testing.T) {
	const bad = "  flinkConfiguration:\n    execution.checkpointing.externalized-checkpoint-retention: KEEP\n"
	t.Run("new", func(t *testing.T) {
		ns := newNamespace(t)
		cluster := createSession(t, ns, readySession)
		createSessionJob(t, ns, sessionJobDoc(bad))
		r, rec := newReconciler(k8s, nil)
		for range 3 {
			_, err := reconcileOnce(t, r, ns)
			require.NoError(t, err)
		}
		sj := getSJ(t, ns)
		assert.Contains(t, sj.Status.Error, `invalid spec: spec.flinkConfiguration[execution.checkpointing.externalized-checkpoint-retention]: Unsupported value: "KEEP"`)
		assert.Contains(t, sj.Status.Error, "nothing is submitted")
		assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"))
		assert.Len(t, rec.byReason("ValidationError"), 1, "one Warning")
		assert.Nil(t, sj.Status.Upgrade, "no job id recorded")
		assert.Zero(t, restWrites(cluster))

		editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.FlinkConfiguration = nil })
		driveUntil(t, r, ns, 10, "RUNNING once fixed", running)
	})
	t.Run("running", func(t *testing.T) {
		ns := newNamespace(t)
		cluster, jobID := runningJob(t, ns, "")
		editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.Job.Parallelism = 5
			sj.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"execution.checkpointing.externalized-checkpoint-retention": "KEEP"})
		})
		before := restWrites(cluster)
		for range 3 {
			r, _ := newReconciler(k8s, nil)
			_, err := reconcileOnce(t, r, ns)
			require.NoError(t, err)
		}
		sj := getSJ(t, ns)
		assert.Contains(t, sj.Status.Error, "job "+jobID+", submitted from the last valid spec, keeps running")
		assert.Equal(t, before, restWrites(cluster), "no stop, no cancel")
		assert.Empty(t, stopOps(cluster))
		state, _ := cluster.JobState(jobID)
		assert.Equal(t, flinkrest.JobRunning, state)
	})
}
