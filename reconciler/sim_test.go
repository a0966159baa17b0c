package reconciler_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// directLabel keeps a FlinkDeployment away from the suite's running
// operator: tests that drive passes one by one (sim) own it alone.
const directLabel = "flinkops.test/direct"

// sim plays, synchronously between reconcile passes, what envtest lacks: the
// Deployment controller (a JobManager Deployment becomes available), the
// JobManager itself (a fake JobManager starts the job the rendered Flink
// configuration describes, from the restore path it names), and Flink's
// Kubernetes HA ConfigMaps. It records every job start so tests can check
// what each restart restored from.
type sim struct {
	t        testing.TB
	ns, name string
	version  string
	// current JobManager: the Deployment's UID and generation it runs.
	depUID  types.UID
	depGen  int64
	cluster *fakejm.Cluster
	// every cluster ever started, for savepoint counters.
	clusters []*fakejm.Cluster
	starts   []jobStart
	// behavior applies to savepoints on clusters started from now on.
	behavior fakejm.OperationBehavior
	// haCheckpoint is the checkpoint id Flink's HA data gets when a job
	// starts with Kubernetes HA.
	haCheckpoint int64
	// restDown: JobManagers started from now on run, but their REST API
	// cannot be reached (a NetworkPolicy, DNS, TLS).
	restDown bool
	// neverStarts: JobManager Deployments never become available; their
	// pod waits with ErrImagePull, so no JobManager container ever runs.
	neverStarts bool
	podMade     bool
	// failJobOnStop: once a stop-with-savepoint is pending, the job fails
	// for good, and Flink fails the savepoint with it.
	failJobOnStop bool
	// lingering is a pod of the cluster kept Terminating (its node is
	// lost) until the operator reports the take-down overdue.
	lingering *corev1.Pod
}

// jobStart is one job submission seen by the fake JobManager.
type jobStart struct {
	JobID       string
	RestorePath string
	// FromHA is the HA checkpoint id the job recovered, 0 when none.
	FromHA int64
	// JobGraphInHA: the HA data still held a job graph, which Flink would
	// have recovered instead of running the new job.
	JobGraphInHA bool
}

func newSim(t testing.TB, ns, name, version string) *sim {
	s := &sim{t: t, ns: ns, name: name, version: version, haCheckpoint: 42,
		behavior: fakejm.OperationBehavior{PendingPolls: 1}}
	// Flink 1.20+ ignores a request field it does not know, so an operator
	// that misspelt one would pass against a lenient JobManager; the fake
	// records what it ignored.
	t.Cleanup(func() {
		for _, c := range s.clusters {
			if ignored := c.IgnoredFields(); len(ignored) > 0 {
				t.Errorf("the operator sent fields Flink %s ignores: %v", c.Version(), ignored)
			}
		}
	})
	return s
}

func (s *sim) prefix() string { return "/" + s.ns + "/" + s.name }

// sync brings the fake world in line with the JobManager Deployment.
func (s *sim) sync() {
	s.t.Helper()
	s.releaseLingering()
	dep := &appsv1.Deployment{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: s.ns, Name: s.name}, dep)
	if apierrors.IsNotFound(err) {
		if s.podMade {
			s.deleteJobManagerPods()
			s.podMade = false
		}
		if s.cluster != nil {
			jobs.Remove(s.prefix())
			s.cluster, s.depUID = nil, ""
		}
		return
	}
	if err != nil {
		s.t.Fatalf("sim: get Deployment: %v", err)
	}
	if s.neverStarts {
		s.imagePullFailing()
		return
	}
	if dep.UID != s.depUID || dep.Generation != s.depGen {
		s.startJobManager()
		s.depUID, s.depGen = dep.UID, dep.Generation
	}
	s.failDuringStop()
	if dep.Status.AvailableReplicas < 1 || dep.Status.ObservedGeneration < dep.Generation {
		dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1}
		if err := k8s.Status().Update(ctx, dep); err != nil && !apierrors.IsConflict(err) {
			s.t.Fatalf("sim: mark Deployment available: %v", err)
		}
	}
}

// flinkConfig reads the rendered Flink configuration (flat file format).
func (s *sim) flinkConfig() map[string]string {
	s.t.Helper()
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: s.ns, Name: "flink-config-" + s.name}, cm); err != nil {
		s.t.Fatalf("sim: get Flink ConfigMap: %v", err)
	}
	file := "flink-conf.yaml"
	if _, ok := cm.Data["config.yaml"]; ok {
		file = "config.yaml" // Flink 2.x, nested or flat
	}
	raw := map[string]any{}
	if err := yaml.Unmarshal([]byte(cm.Data[file]), &raw); err != nil {
		s.t.Fatalf("sim: parse %s: %v", file, err)
	}
	out := map[string]string{}
	flattenInto(out, "", raw)
	return out
}

// flattenInto flattens nested YAML maps with dots, as Flink reads them.
func flattenInto(out map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		if prefix != "" {
			k = prefix + "." + k
		}
		if nested, ok := v.(map[string]any); ok {
			flattenInto(out, k, nested)
			continue
		}
		out[k] = fmt.Sprint(v)
	}
}

// startJobManager starts a fake JobManager with the job the configuration
// describes, as Flink's application mode does.
func (s *sim) startJobManager() {
	s.t.Helper()
	conf := s.flinkConfig()
	opts := []fakejm.Option{}
	if dir := conf["execution.checkpointing.savepoint-dir"] + conf["state.savepoints.dir"]; dir != "" {
		opts = append(opts, fakejm.WithDefaultSavepointDir(dir))
	}
	c, err := fakejm.NewCluster(s.version, opts...)
	if err != nil {
		s.t.Fatalf("sim: %v", err)
	}
	c.SetOperationBehavior(s.behavior)
	start := jobStart{JobID: conf["$internal.pipeline.job-id"], RestorePath: conf["execution.state-recovery.path"] + conf["execution.savepoint.path"]}
	ha := strings.EqualFold(conf["high-availability.type"], "kubernetes")
	if ha {
		start.FromHA = s.haCheckpointOf(start.JobID)
		start.JobGraphInHA = s.haHoldsJobGraph()
	}
	state := flinkrest.JobRunning
	if start.RestorePath == gate.LastStateRestorePath && start.FromHA == 0 {
		// Flink finds neither HA data nor the placeholder path.
		state = flinkrest.JobFailed
	}
	if _, err := c.AddJob(fakejm.JobSpec{ID: start.JobID, State: state, RestoredFrom: start.RestorePath}); err != nil {
		s.t.Fatalf("sim: add job: %v", err)
	}
	if ha && state == flinkrest.JobRunning {
		s.writeHA(start.JobID)
	}
	jobs.Remove(s.prefix())
	if !s.restDown {
		if err := jobs.Add(s.prefix(), c); err != nil {
			s.t.Fatalf("sim: %v", err)
		}
	}
	s.cluster = c
	s.clusters = append(s.clusters, c)
	s.starts = append(s.starts, start)
}

// haLabels are the labels real Flink (2.2, seen on the dev cluster's real
// Flink) puts on its HA ConfigMaps: app and type only, without the
// "configmap-type: high-availability" that Flink's own cleanup selects
// by. simHALabel marks them for the tests, which must find them.
func (s *sim) haLabels() map[string]string {
	return map[string]string{"app": s.name, "type": "flink-native-kubernetes", simHALabel: "true"}
}

// simHALabel is a test-only label on the sim's HA ConfigMaps.
const simHALabel = "sim.flink-operator.dev/ha"

// haCheckpointOf is the checkpoint Flink would recover from HA for a job.
func (s *sim) haCheckpointOf(jobID string) int64 {
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: s.ns, Name: s.name + "-" + jobID + "-config-map"}, cm); err != nil {
		return 0
	}
	for k := range cm.Data {
		if strings.HasPrefix(k, "checkpointID-") {
			return s.haCheckpoint
		}
	}
	return 0
}

func (s *sim) haHoldsJobGraph() bool {
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: s.ns, Name: s.name + "-cluster-config-map"}, cm); err != nil {
		return false
	}
	for k := range cm.Data {
		if strings.HasPrefix(k, "jobGraph-") {
			return true
		}
	}
	return false
}

// writeHA plays Flink's HA services: a cluster ConfigMap with the job graph
// and a job ConfigMap with a completed checkpoint.
func (s *sim) writeHA(jobID string) {
	s.t.Helper()
	cms := []*corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Name: s.name + "-cluster-config-map"}, Data: map[string]string{"jobGraph-" + jobID: "cG9pbnRlcg=="}},
		{ObjectMeta: metav1.ObjectMeta{Name: s.name + "-" + jobID + "-config-map"}, Data: map[string]string{
			fmt.Sprintf("checkpointID-%019d", s.haCheckpoint): "cG9pbnRlcg==", "counter": fmt.Sprint(s.haCheckpoint + 1)}},
	}
	for _, cm := range cms {
		cm.Namespace, cm.Labels = s.ns, s.haLabels()
		existing := &corev1.ConfigMap{}
		err := k8s.Get(ctx, client.ObjectKeyFromObject(cm), existing)
		switch {
		case apierrors.IsNotFound(err):
			if err := k8s.Create(ctx, cm); err != nil {
				s.t.Fatalf("sim: create HA ConfigMap: %v", err)
			}
		case err != nil:
			s.t.Fatalf("sim: get HA ConfigMap: %v", err)
		default:
			for k, v := range cm.Data {
				if existing.Data == nil {
					existing.Data = map[string]string{}
				}
				existing.Data[k] = v
			}
			if err := k8s.Update(ctx, existing); err != nil {
				s.t.Fatalf("sim: update HA ConfigMap: %v", err)
			}
		}
	}
}

// stopTriggers counts stop-with-savepoint triggers over every cluster.
func (s *sim) stopTriggers() int {
	n := 0
	for _, c := range s.clusters {
		n += c.Counters().StopTriggers
	}
	return n
}

// driver runs reconcile passes one at a time, with sim in between.
type driver struct {
	t   *testing.T
	sim *sim
	r   *reconciler.Reconciler
}

func newDirectReconciler(hook func(reconciler.Step) bool) *reconciler.Reconciler {
	return &reconciler.Reconciler{
		Client: k8s, APIReader: k8s, Scheme: k8s.Scheme(),
		RESTURLTemplate: jmServer.URL + "/{{namespace}}/{{name}}",
		GatePolicy:      fastGatePolicy,
		StepHook:        hook,
	}
}

var fastGatePolicy = gate.Policy{
	SavepointPollInterval: 10 * time.Millisecond, SavepointTimeout: time.Second, MaxSavepointAttempts: 3,
	RetryBackoff: 50 * time.Millisecond, WaitInterval: 50 * time.Millisecond, TakeDownPollInterval: 10 * time.Millisecond,
	TakeDownTimeout: 300 * time.Millisecond,
}

func sleepBriefly() { time.Sleep(20 * time.Millisecond) }

// pass runs one reconcile pass and then lets the fake world react. It
// returns the pass's error.
func (d *driver) pass() error {
	_, err := d.r.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: d.sim.ns, Name: d.sim.name}})
	d.sim.sync()
	return err
}

// until runs passes until cond holds, failing after max passes.
func (d *driver) until(what string, max int, cond func(*v1beta1.FlinkDeployment) bool) *v1beta1.FlinkDeployment {
	d.t.Helper()
	var last error
	for i := 0; i < max; i++ {
		if err := d.pass(); err != nil {
			last = err
		}
		fd := &v1beta1.FlinkDeployment{}
		err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: d.sim.name}, fd)
		if apierrors.IsNotFound(err) {
			if cond(nil) {
				return nil
			}
			continue
		}
		if err != nil {
			d.t.Fatalf("get FlinkDeployment: %v", err)
		}
		if cond(fd) {
			return fd
		}
		// Slow passes down a little when waiting on timers (retry backoff).
		if i > 20 {
			sleepBriefly()
		}
	}
	fd := &v1beta1.FlinkDeployment{}
	_ = k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: d.sim.name}, fd)
	d.t.Fatalf("%s: not reached after %d passes (last error %v); upgrade: %+v; status: %+v", what, max, last, fd.Status.Upgrade, fd.Status)
	return nil
}

func running(fd *v1beta1.FlinkDeployment) bool {
	return fd != nil && fd.Status.Upgrade == nil && fd.Status.JobStatus.State == "RUNNING" &&
		fd.Status.ObservedGeneration == fd.Generation
}

func suspendedDone(fd *v1beta1.FlinkDeployment) bool {
	return fd != nil && fd.Status.Upgrade == nil && fd.Status.LifecycleState == v1beta1.LifecycleSuspended &&
		fd.Status.ObservedGeneration == fd.Generation
}

// restUp makes the running JobManager's REST API reachable again.
func (s *sim) restUp() {
	s.t.Helper()
	s.restDown = false
	jobs.Remove(s.prefix())
	if err := jobs.Add(s.prefix(), s.cluster); err != nil {
		s.t.Fatalf("sim: %v", err)
	}
}

// imagePullFailing plays a kubelet that cannot pull the JobManager's
// image: one pod, its container waiting with ErrImagePull.
func (s *sim) imagePullFailing() {
	s.t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: s.name + "-jm",
		Labels: map[string]string{"app": s.name, "component": "jobmanager", "type": "flink-native-kubernetes"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink:missing"}}}}
	if err := k8s.Create(ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
		s.t.Fatalf("sim: create JobManager pod: %v", err)
	}
	s.podMade = true
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
		s.t.Fatalf("sim: get JobManager pod: %v", err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "flink-main-container", Image: "flink:missing",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "not found"}},
	}}}
	if err := k8s.Status().Update(ctx, pod); err != nil && !apierrors.IsConflict(err) {
		s.t.Fatalf("sim: JobManager pod status: %v", err)
	}
}

// deleteJobManagerPods removes the pods imagePullFailing made, as a
// kubelet would once their Deployment is gone.
func (s *sim) deleteJobManagerPods() {
	s.t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: s.name + "-jm"}}
	if err := k8s.Delete(ctx, pod, client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
		s.t.Fatalf("sim: delete JobManager pod: %v", err)
	}
}

// failDuringStop plays failJobOnStop.
func (s *sim) failDuringStop() {
	s.t.Helper()
	if !s.failJobOnStop || s.cluster == nil {
		return
	}
	pending := s.cluster.PendingOperations()
	if len(pending) == 0 {
		return
	}
	s.failJobOnStop = false
	if err := s.cluster.FailJob(s.starts[len(s.starts)-1].JobID, "java.lang.RuntimeException", "boom"); err != nil {
		s.t.Fatalf("sim: fail job: %v", err)
	}
	if err := s.cluster.FailOperation(pending[0], "Job failed"); err != nil {
		s.t.Fatalf("sim: fail savepoint: %v", err)
	}
}

// releaseLingering lets the lingering pod go once the operator reported
// the take-down overdue: the user force-deletes it, as the report says.
func (s *sim) releaseLingering() {
	s.t.Helper()
	if s.lingering == nil {
		return
	}
	fd := &v1beta1.FlinkDeployment{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: s.ns, Name: s.name}, fd); err != nil {
		return
	}
	if fd.Status.Upgrade == nil || !fd.Status.Upgrade.TakeDownOverdue {
		return
	}
	pod := &corev1.Pod{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(s.lingering), pod); err == nil {
		pod.Finalizers = nil
		if err := k8s.Update(ctx, pod); err != nil {
			s.t.Fatalf("sim: release lingering pod: %v", err)
		}
		// No kubelet ends the graceful deletion: force it.
		if err := k8s.Delete(ctx, pod, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
			s.t.Fatalf("sim: force-delete lingering pod: %v", err)
		}
	}
	s.lingering = nil
}
