package sessionjob_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// driveNamed runs passes of the session job name in ns until done holds
// of it, at most n.
func driveNamed(t *testing.T, r *sessionjob.Reconciler, ns, name string, n int, what string, done func(*v1beta1.FlinkSessionJob) bool) {
	t.Helper()
	var lastErr error
	for range n {
		if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: name}}); err != nil {
			lastErr = err
		}
		sj := &v1beta1.FlinkSessionJob{}
		require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, sj))
		if done(sj) {
			return
		}
	}
	t.Fatalf("%s %s: not reached after %d passes (last error: %v)", name, what, n, lastErr)
}

// jarNames lists the names of the jars the cluster holds, sorted.
func jarNames(cluster *fakejm.Cluster) []string {
	var out []string
	for _, j := range cluster.Jars() {
		out = append(out, j.Name)
	}
	slices.Sort(out)
	return out
}

// Two session jobs share a session, orders and orders-2, each with a jar
// a crash left behind. Each sweep deletes its own and nothing else: not
// the other's orphan, not the other's recorded jar, not a jar of another
// namespace or one named almost alike.
func TestSweepDeletesOnlyItsOwnJars(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	createSessionJob(t, ns, strings.Replace(sessionJobDoc(""), "name: orders\n", "name: orders-2\n", 1))
	foreign := []string{
		"other_orders_1.jar",      // the same name in another namespace
		ns + "_orders_latest.jar", // not a generation
		ns + "_orders_01.jar",     // not as jarName writes one
		ns + "_orders.jar",        // no generation
		"orders.jar",              // uploaded by hand
	}
	for _, name := range foreign {
		cluster.AddJar(name, jarBytes)
	}
	ordersOrphan := cluster.AddJar(ns+"_orders_1.jar", jarBytes)
	cluster.AddJar(ns+"_orders-2_1.jar", jarBytes)
	r, _ := newReconciler(k8s, nil)

	// orders-2 uploads and records its jar: its sweep took its orphan only.
	driveNamed(t, r, ns, "orders-2", 5, "jar recorded", func(sj *v1beta1.FlinkSessionJob) bool { return sj.Status.Jar != nil })
	want := append(slices.Clone(foreign), ns+"_orders_1.jar", ns+"_orders-2_1.jar")
	slices.Sort(want)
	assert.Equal(t, want, jarNames(cluster), "orders-2's orphan replaced by its recorded jar; orders' orphan kept")
	assert.True(t, slices.ContainsFunc(cluster.Jars(), func(j fakejm.Jar) bool { return j.ID == ordersOrphan }))

	// orders runs: its sweeps take its orphan, not orders-2's recorded jar.
	driveUntil(t, r, ns, 10, "RUNNING", running)
	want = append(slices.Clone(foreign), ns+"_orders-2_1.jar")
	slices.Sort(want)
	assert.Equal(t, want, jarNames(cluster))

	// orders-2 runs on its recorded jar, then deletes it.
	driveNamed(t, r, ns, "orders-2", 10, "RUNNING", running)
	slices.Sort(foreign)
	assert.Equal(t, foreign, jarNames(cluster), "only the jars of neither session job are left")
	assert.Equal(t, 2, cluster.Counters().JarRuns, "one run each")
	assert.Equal(t, 2, cluster.Counters().JarUploads, "one upload each")
}

// A sweep that cannot list or delete logs it and the submission goes on;
// a later sweep (the delete-jar step's) takes what it left.
func TestSweepFailuresDoNotBlockTheSubmission(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fakejm.Fault
		// left is how many orphans remain once the job runs.
		left int
	}{
		{
			name:  "the list fails every time",
			fault: fakejm.Fault{Route: "GET /jars", Status: http.StatusInternalServerError},
			left:  1,
		},
		{
			name:  "the list fails once",
			fault: fakejm.Fault{Route: "GET /jars", Status: http.StatusServiceUnavailable, Times: 1},
		},
		{
			// The upload step's sweep deletes first: its delete fails,
			// the recorded jar's delete later does not.
			name:  "the orphan's delete fails once",
			fault: fakejm.Fault{Route: "DELETE /jars/:jarid", Status: http.StatusInternalServerError, Times: 1},
		},
		{
			name:  "the JobManager does not answer the list",
			fault: fakejm.Fault{Route: "GET /jars", DropConnection: true},
			left:  1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			cluster := createSession(t, ns, readySession)
			createSessionJob(t, ns, sessionJobDoc(""))
			cluster.AddJar(ns+"_orders_1.jar", jarBytes)
			cluster.InjectFault(tc.fault)
			r, _ := newReconciler(k8s, nil)
			driveUntil(t, r, ns, 10, "RUNNING", running)
			sj := getSJ(t, ns)
			assert.Empty(t, sj.Status.Error)
			state, ok := cluster.JobState(sj.Status.JobStatus.JobID)
			require.True(t, ok)
			assert.Equal(t, flinkrest.JobRunning, state)
			assert.Equal(t, 1, cluster.Counters().JarRuns)
			assert.Len(t, cluster.Jars(), tc.left, "orphans left")
			assert.NotEmpty(t, cluster.RequestsTo("GET /jars"), "a sweep was tried")
		})
	}
}

// A session job deleted after a crash between its upload and status.jar:
// the finalizer's sweep takes the jar, since nothing will submit the
// session job again.
func TestDeleteSweepsJarsLeftByACrash(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	r, _ := newReconciler(k8s, stopAt(sessionjob.HookUploaded))
	driveUntil(t, r, ns, 5, "uploaded", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().JarUploads == 1 })
	require.Nil(t, getSJ(t, ns).Status.Jar)
	cluster.AddJar("other_orders_1.jar", jarBytes)
	deleteSJ(t, ns)
	restarted, _ := newReconciler(k8s, nil)
	gone(t, restarted, ns, 5)
	assert.Equal(t, []string{"other_orders_1.jar"}, jarNames(cluster))
	assert.Zero(t, cluster.Counters().JarRuns)
}
