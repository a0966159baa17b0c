package sessionjob_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestShardsSplitSessionJobsBySession: two operators shard a fleet with
// --label-selector shard=a and shard=b, as the README's sharding section
// sets them up. Their session jobs carry no shard label, as in the
// reference's manifests: each follows its session. Each shard dials its
// JobManagers under a path of its own, so a request from the wrong shard
// lands on a fake that counts it: none may arrive. A job whose session does
// not exist yet is reported by the shard its own labels select, and by no
// other.
func TestShardsSplitSessionJobsBySession(t *testing.T) {
	ns := newNamespace(t)
	shards := []string{"a", "b"}
	// received[shard][session]: the fake JobManager that shard's
	// operator dials for that session.
	received := map[string]map[string]*fakejm.Cluster{}
	for _, shard := range shards {
		received[shard] = map[string]*fakejm.Cluster{}
		for _, session := range shards {
			c, err := fakejm.NewCluster("v1_20")
			require.NoError(t, err)
			path := "/" + shard + "/" + ns + "/session-" + session
			require.NoError(t, jobs.Add(path, c))
			t.Cleanup(func() { jobs.Remove(path) })
			received[shard][session] = c
		}
	}
	for _, shard := range shards {
		startShard(t, shard)
	}
	for _, session := range shards {
		createShardedSession(t, ns, "session-"+session, map[string]string{"shard": session})
		createShardedJob(t, ns, "job-"+session, "session-"+session, nil)
	}
	createShardedJob(t, ns, "early-a", "session-later", map[string]string{"shard": "a"})
	createShardedJob(t, ns, "early-unlabelled", "session-later", nil)

	for _, session := range shards {
		require.Eventually(t, func() bool { return running(getNamed(t, ns, "job-"+session)) }, 30*time.Second, 50*time.Millisecond,
			"job-%s RUNNING on its session", session)
	}
	require.Eventually(t, func() bool {
		return contains(getNamed(t, ns, "early-a").Status.Error, "session-later does not exist")
	}, 30*time.Second, 50*time.Millisecond, "the shard its labels select reports that it waits")

	for _, shard := range shards {
		for _, session := range shards {
			n := received[shard][session].Counters()
			if shard == session {
				assert.Equal(t, 1, n.JarRuns, "shard %s runs job-%s once", shard, session)
			} else {
				assert.Zero(t, n.JarUploads+n.JarRuns, "shard %s sent job-%s's jar to session-%s, another shard's", shard, session, session)
			}
		}
	}
	// Both shards have seen early-unlabelled by now (they reconciled the
	// jobs created after it); neither selects it.
	unlabelled := getNamed(t, ns, "early-unlabelled")
	assert.Empty(t, unlabelled.Status.Error, "status of a job no shard selects")
	assert.False(t, slices.Contains(unlabelled.Finalizers, sessionjob.Finalizer), "a finalizer on a job no shard selects")
}

// startShard runs the controller as the operator does with
// --session-jobs --label-selector shard=<shard>, dialling its JobManagers
// under a path of its own.
func startShard(t *testing.T, shard string) {
	t.Helper()
	runManager(t, labels.SelectorFromSet(labels.Set{"shard": shard}), func(r *sessionjob.Reconciler) {
		r.RESTURLTemplate = jmServer.URL + "/" + shard + "/{{namespace}}/{{name}}"
		r.ProgressInterval, r.ResyncInterval = time.Second, time.Hour
	})
}

func createShardedSession(t *testing.T, ns, name string, shardLabels map[string]string) {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(sessionDoc), fd))
	fd.Namespace, fd.Name, fd.Labels = ns, name, shardLabels
	require.NoError(t, k8s.Create(context.Background(), fd))
	fd.Status.JobManagerDeploymentStatus = v1beta1.JMReady
	require.NoError(t, k8s.Status().Update(context.Background(), fd))
}

func createShardedJob(t *testing.T, ns, name, session string, jobLabels map[string]string) {
	t.Helper()
	sj := &v1beta1.FlinkSessionJob{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(sessionJobDoc("")), sj))
	sj.Namespace, sj.Name, sj.Labels, sj.Spec.DeploymentName = ns, name, jobLabels, session
	require.NoError(t, k8s.Create(context.Background(), sj))
}

func getNamed(t *testing.T, ns, name string) *v1beta1.FlinkSessionJob {
	t.Helper()
	sj := &v1beta1.FlinkSessionJob{}
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, sj))
	return sj
}
