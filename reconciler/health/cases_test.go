package health

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// now is the clock of every case.
var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// lifecycleCase is one status the operator writes, and what each client
// must make of it.
type lifecycleCase struct {
	name string
	fd   *v1beta1.FlinkDeployment
	// ready, reconciling, stalled: the conditions' statuses; reason: the
	// Stalled reason when stalled, else Ready's or Reconciling's.
	ready, reconciling, stalled bool
	reason                      string
	// kstatus is cli-utils' verdict; argo is the verdict of the health
	// script docs/ ships for Argo CD.
	kstatus, argo string
}

func appSpec(state v1beta1.JobState) *v1beta1.FlinkDeploymentSpec {
	return &v1beta1.FlinkDeploymentSpec{FlinkVersion: "v1_20", Image: "flink:1.20",
		Job: &v1beta1.JobSpec{JarURI: "local:///opt/flink/job.jar", UpgradeMode: v1beta1.UpgradeModeSavepoint, State: state}}
}

func sessionSpec() *v1beta1.FlinkDeploymentSpec {
	return &v1beta1.FlinkDeploymentSpec{FlinkVersion: "v1_20", Image: "flink:1.20"}
}

// fdWith builds a FlinkDeployment at generation gen whose deployed spec is
// deployed (nil: none) and whose status mutate finishes.
func fdWith(t testing.TB, gen int64, deployed *v1beta1.FlinkDeploymentSpec, mutate func(*v1beta1.FlinkDeployment)) *v1beta1.FlinkDeployment {
	fd := &v1beta1.FlinkDeployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "flink.apache.org/v1beta1", Kind: "FlinkDeployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "job", Namespace: "ns", Generation: gen},
	}
	if deployed != nil {
		fd.Spec = *deployed.DeepCopy()
		raw, err := v1beta1.EncodeReconciledSpec(*deployed, false)
		if err != nil {
			t.Fatal(err)
		}
		st := &fd.Status
		st.ReconciliationStatus = v1beta1.ReconciliationStatus{LastReconciledSpec: raw, LastStableSpec: raw,
			State: v1beta1.ReconciliationDeployed, ReconciliationTimestamp: now.UnixMilli()}
		st.ObservedGeneration = 1
		st.LifecycleState = v1beta1.LifecycleStable
		st.JobManagerDeploymentStatus = v1beta1.JMReady
		if deployed.Job != nil {
			st.JobStatus = v1beta1.JobStatus{JobID: "a1b2", JobName: "job", State: "RUNNING"}
		}
	}
	if mutate != nil {
		mutate(fd)
	}
	return fd
}

func upgrading(phase v1beta1.UpgradePhase) func(*v1beta1.FlinkDeployment) {
	return func(fd *v1beta1.FlinkDeployment) {
		fd.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: phase, Mode: v1beta1.UpgradeModeSavepoint, TargetGeneration: 2}
		fd.Status.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
		fd.Status.LifecycleState = v1beta1.LifecycleUpgrading
	}
}

func withError(msg string, also ...func(*v1beta1.FlinkDeployment)) func(*v1beta1.FlinkDeployment) {
	return func(fd *v1beta1.FlinkDeployment) {
		for _, f := range also {
			f(fd)
		}
		fd.Status.Error = msg
	}
}

// The messages are the ones the gate and the controller write.
const (
	msgInvalid   = "invalid spec, the last valid spec keeps running: spec.job.parallelism: must be at least 1"
	msgHAMissing = "last-state upgrade held: HA metadata is not available to restore from last state. It is possible that the job has finished or terminally failed, or the configmaps have been deleted. Manual restore required: set spec.job.initialSavepointPath and change spec.job.savepointRedeployNonce"
	msgAbandoned = "upgrade to generation 2 abandoned after 3 failed savepoints (the operator's --max-savepoint-attempts; last: Checkpoint was declined); the job keeps running the previous spec. Fix the cause and edit the spec (for example change spec.restartNonce) to try again"
	msgBackend   = "upgrade held: the state backend changes from hashmap to rocksdb, which needs a CANONICAL savepoint of the running job, but the job is FAILED; its checkpoints can be restored only by hashmap. The job keeps its state: let it run again, or undo the state backend change"
	msgStuck     = "upgrade held: the old cluster has not gone 10m0s after its take-down began (take-down timeout 10m0s, the operator's --take-down-timeout)"
	msgJMLost    = "the JobManager Deployment is missing (deleted or lost) and is not re-created: the job's Kubernetes HA metadata is gone"
	msgRetry     = "savepoint for the upgrade failed (attempt 1 of 3), retrying in 10s; the job keeps running: Checkpoint was declined"
	msgRESTWait  = "upgrade waiting: the JobManager's REST API does not answer (connection refused); a savepoint upgrade needs it to take a savepoint. The job keeps running"
)

func lifecycleCases(t testing.TB) []lifecycleCase {
	app := appSpec(v1beta1.JobStateRunning)
	return []lifecycleCase{
		{name: "created, nothing written yet", fd: fdWith(t, 1, nil, nil),
			reconciling: true, reason: ReasonNotDeployed, kstatus: "InProgress", argo: "Progressing"},
		{name: "first deploy", fd: fdWith(t, 1, nil, func(fd *v1beta1.FlinkDeployment) {
			fd.Spec = *app.DeepCopy()
			fd.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseDeploying, Mode: v1beta1.UpgradeModeSavepoint, TargetGeneration: 1}
		}), reconciling: true, reason: "Deploying", kstatus: "InProgress", argo: "Progressing"},
		{name: "deployed, JobManager starting", fd: fdWith(t, 1, app, func(fd *v1beta1.FlinkDeployment) {
			fd.Status.JobManagerDeploymentStatus = v1beta1.JMDeploying
			fd.Status.JobStatus.State = "RECONCILING"
			fd.Status.LifecycleState = v1beta1.LifecycleDeployed
		}), reconciling: true, reason: ReasonStarting, kstatus: "InProgress", argo: "Progressing"},
		{name: "job running", fd: fdWith(t, 1, app, nil),
			ready: true, reason: ReasonRunning, kstatus: "Current", argo: "Healthy"},
		{name: "batch job finished", fd: fdWith(t, 1, app, func(fd *v1beta1.FlinkDeployment) { fd.Status.JobStatus.State = "FINISHED" }),
			ready: true, reason: ReasonRunning, kstatus: "Current", argo: "Healthy"},
		{name: "session cluster ready", fd: fdWith(t, 1, sessionSpec(), nil),
			ready: true, reason: ReasonRunning, kstatus: "Current", argo: "Healthy"},
		{name: "suspended", fd: fdWith(t, 1, appSpec(v1beta1.JobStateSuspended), func(fd *v1beta1.FlinkDeployment) {
			fd.Status.JobManagerDeploymentStatus = v1beta1.JMMissing
			fd.Status.JobStatus.State = "FINISHED"
			fd.Status.LifecycleState = v1beta1.LifecycleSuspended
		}), ready: true, reason: ReasonSuspended, kstatus: "Current", argo: "Suspended"},
		{name: "upgrade savepointing", fd: fdWith(t, 2, app, upgrading(v1beta1.PhaseSavepointing)),
			reconciling: true, reason: "Savepointing", kstatus: "InProgress", argo: "Progressing"},
		{name: "upgrade taking down", fd: fdWith(t, 2, app, upgrading(v1beta1.PhaseTakingDown)),
			reconciling: true, reason: "TakingDown", kstatus: "InProgress", argo: "Progressing"},
		{name: "upgrade savepoint retried", fd: fdWith(t, 2, app, withError(msgRetry, upgrading(v1beta1.PhaseSavepointing))),
			reconciling: true, reason: "Savepointing", kstatus: "InProgress", argo: "Progressing"},
		{name: "upgrade waits for the REST API", fd: fdWith(t, 2, app, withError(msgRESTWait)),
			reconciling: true, reason: ReasonWaiting, kstatus: "InProgress", argo: "Progressing"},
		{name: "edit refused", fd: fdWith(t, 2, app, withError(msgInvalid)),
			stalled: true, reason: ReasonValidationError, kstatus: "Failed", argo: "Degraded"},
		{name: "upgrade held for state backend", fd: fdWith(t, 2, app, withError(msgBackend)),
			stalled: true, reason: ReasonUpgradeHeld, kstatus: "Failed", argo: "Degraded"},
		{name: "upgrade held, manual restore", fd: fdWith(t, 2, app, withError(msgHAMissing)),
			stalled: true, reason: ReasonManualRestoreRequired, kstatus: "Failed", argo: "Degraded"},
		{name: "upgrade abandoned", fd: fdWith(t, 2, app, withError(msgAbandoned, upgrading(v1beta1.PhaseSavepointing), func(fd *v1beta1.FlinkDeployment) {
			fd.Status.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
			fd.Status.LifecycleState = v1beta1.LifecycleStable
		})), stalled: true, reason: ReasonUpgradeFailed, kstatus: "Failed", argo: "Degraded"},
		{name: "take-down stuck", fd: fdWith(t, 2, app, withError(msgStuck, upgrading(v1beta1.PhaseTakingDown))),
			stalled: true, reason: ReasonUpgradeHeld, kstatus: "Failed", argo: "Degraded"},
		{name: "JobManager lost, not re-created", fd: fdWith(t, 1, app, withError(msgJMLost, func(fd *v1beta1.FlinkDeployment) {
			fd.Status.JobManagerDeploymentStatus = v1beta1.JMMissing
			fd.Status.JobStatus.State = "RECONCILING"
		})), stalled: true, reason: ReasonManualRestoreRequired, kstatus: "Failed", argo: "Degraded"},
		{name: "job failed", fd: fdWith(t, 1, app, func(fd *v1beta1.FlinkDeployment) {
			fd.Status.JobStatus.State = "FAILED"
			fd.Status.LifecycleState = v1beta1.LifecycleFailed
		}), stalled: true, reason: ReasonJobFailed, kstatus: "Failed", argo: "Degraded"},
		{name: "JobManager crash-loops", fd: fdWith(t, 1, app, withError("JobManager deployment failed: CrashLoopBackOff", func(fd *v1beta1.FlinkDeployment) {
			fd.Status.JobManagerDeploymentStatus = v1beta1.JMError
			fd.Status.JobStatus.State = "RECONCILING"
			fd.Status.LifecycleState = v1beta1.LifecycleDeployed
		})), stalled: true, reason: ReasonDeploymentFailed, kstatus: "Failed", argo: "Degraded"},
		{name: "deleting", fd: fdWith(t, 1, app, func(fd *v1beta1.FlinkDeployment) {
			ts := metav1.NewTime(now)
			fd.DeletionTimestamp = &ts
			fd.Finalizers = []string{"flinkdeployments.flink.apache.org/finalizer"}
			fd.Status.LifecycleState = v1beta1.LifecycleDeleting
		}), reconciling: true, reason: ReasonDeleting, kstatus: "Terminating", argo: "Progressing"},
	}
}

// applied is the case's FlinkDeployment as the operator writes it.
func (c lifecycleCase) applied() *v1beta1.FlinkDeployment {
	fd := c.fd.DeepCopy()
	Apply(fd, now)
	return fd
}
