package planner

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// What the operator would know of a deployed FlinkDeployment. A live
// object's status records it (status.reconciliationStatus.lastReconciledSpec
// is what is deployed, status.deployedWith how); for a file the planner
// builds the status the gate records for a job running the file's spec,
// and assumes the job runs, as it does between changes.

// Ids the plan gives the running job and the gate's fresh ones: fixed, so
// that a plan is the same on every run.
const (
	fileJobID    = "00000000000000000000000000000001"
	newJobID     = "00000000000000000000000000000002"
	newTriggerID = "0000000000000000000000000000000f"
)

// planTime stands for the clock: nothing a plan reports depends on it.
var planTime = time.UnixMilli(1_700_000_000_000).UTC()

// deployed is a FlinkDeployment as deployed, with what the operator would
// observe of its cluster.
type deployed struct {
	spec        *v1beta1.FlinkDeploymentSpec // defaulted
	first       bool
	status      *v1beta1.FlinkDeploymentStatus
	obs         gate.Observation
	ha          gate.HAObservation
	latest      string // newest restorable checkpoint, for a terminal job
	lost        bool   // the JobManager Deployment is gone (recover.go)
	live        bool
	assumptions []string
}

// IsLive reports whether fd carries the status of a deployed object, whose
// lastReconciledSpec, not spec, is what runs.
func IsLive(fd *v1beta1.FlinkDeployment) bool {
	return fd.Status.ReconciliationStatus.LastReconciledSpec != ""
}

// Defaulted is spec with the API's defaults, the form the operator
// compares and records specs in.
func Defaulted(spec *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
	tmp := &v1beta1.FlinkDeployment{Spec: *spec.DeepCopy()}
	tmp.Default()
	return &tmp.Spec
}

func deployedOf(base *v1beta1.FlinkDeployment) (*deployed, error) {
	if IsLive(base) {
		return deployedFromStatus(base)
	}
	return deployedFromFile(base)
}

// deployedFromFile is a job running base.spec, recorded by the gate as
// markReconciled records it after an upgrade.
func deployedFromFile(base *v1beta1.FlinkDeployment) (*deployed, error) {
	spec := Defaulted(&base.Spec)
	enc, err := v1beta1.EncodeReconciledSpec(*spec, false)
	if err != nil {
		return nil, objref.Of("FlinkDeployment", base).Errorf("record the base spec as deployed: %w", err)
	}
	d := &deployed{spec: spec, status: &v1beta1.FlinkDeploymentStatus{
		ReconciliationStatus: v1beta1.ReconciliationStatus{LastReconciledSpec: enc, State: v1beta1.ReconciliationDeployed},
		DeployedWith:         &v1beta1.DeployedWith{JobID: fileJobID, JobManagerStarted: true},
		JobStatus:            v1beta1.JobStatus{JobID: fileJobID, StartTime: "1"},
	}}
	d.obs.JobManagerRan = gate.EvidenceYes
	ha := gate.KubernetesHA(spec)
	switch {
	case gate.Suspended(spec):
		d.status.JobStatus.State = "SUSPENDED"
		d.obs.JobManager = v1beta1.JMMissing
		if spec.Job.UpgradeMode == v1beta1.UpgradeModeSavepoint {
			d.status.JobStatus.UpgradeSavepointPath = "the savepoint taken when the job was suspended"
			d.assume("the job was suspended with a savepoint")
		}
	case spec.Job == nil:
		d.obs.JobManager = v1beta1.JMReady
		d.assume("the session cluster is running")
	default:
		d.status.JobStatus.State = string(flinkrest.JobRunning)
		d.status.JobManagerDeploymentStatus = v1beta1.JMReady
		d.obs.JobManager = v1beta1.JMReady
		d.obs.Job = &flinkrest.JobOverview{ID: fileJobID, State: flinkrest.JobRunning}
		d.assume("the job is RUNNING")
	}
	if ha {
		d.ha = gate.HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 1}
		d.assume("Kubernetes HA holds a checkpoint of the job")
	}
	return d, nil
}

// deployedFromStatus reads a live object's status as the operator's next
// pass would find it. What status does not record of the cluster is
// derived from what it does, and said.
func deployedFromStatus(base *v1beta1.FlinkDeployment) (*deployed, error) {
	spec, first, err := v1beta1.DecodeReconciledSpec(base.Status.ReconciliationStatus.LastReconciledSpec)
	if err != nil {
		return nil, objref.Of("FlinkDeployment", base).Errorf("read the live status: %w", err)
	}
	d := &deployed{spec: Defaulted(spec), first: first, status: base.Status.DeepCopy(), live: true}
	st := d.status
	if up := st.Upgrade; up != nil {
		// The gate finishes the upgrade in progress before it looks at
		// a new spec; the plan is of the change after it.
		d.assume(fmt.Sprintf("the upgrade in progress (phase %s) has finished", up.Phase))
		st.Upgrade = nil
		st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	}
	d.obs.JobManager = st.JobManagerDeploymentStatus
	switch {
	case strings.HasPrefix(st.Error, "JobManager REST API"):
		// The reconciler records "JobManager REST API at URL is
		// unreachable: CAUSE" (observeInto); the gate saw CAUSE.
		_, cause, found := strings.Cut(st.Error, " is unreachable: ")
		if !found {
			cause = st.Error
		}
		d.obs.RESTError = errors.New(cause)
	case d.obs.JobManager == v1beta1.JMReady && st.JobStatus.State != "":
		d.obs.Job = &flinkrest.JobOverview{ID: st.JobStatus.JobID, State: flinkrest.JobStatus(st.JobStatus.State)}
	}
	switch d.obs.JobManager {
	case v1beta1.JMDeploying, v1beta1.JMDeployedNotReady, v1beta1.JMError:
		d.obs.JobManagerRan = gate.EvidenceNo
	}
	if st.DeployedWith != nil && st.DeployedWith.JobManagerStarted || st.JobStatus.StartTime != "" {
		d.obs.JobManagerRan = gate.EvidenceYes
	} else if d.obs.JobManagerRan == gate.EvidenceNo {
		d.assume("no JobManager of the deployed spec ever ran (it never became ready, and status records no job start)")
	}
	if d.obs.JobManager == v1beta1.JMMissing && !gate.Suspended(d.spec) {
		d.lost = true
	}
	if gate.KubernetesHA(d.spec) {
		d.ha.Enabled = true
		if h := st.HighAvailability; h != nil {
			d.ha.MetadataAvailable, d.ha.LatestCheckpointID = h.MetadataAvailable, h.LatestCheckpointID
		} else {
			d.ha.MetadataAvailable, d.ha.LatestCheckpointID = true, 1
			d.assume("Kubernetes HA holds a checkpoint of the job (status.highAvailability records nothing)")
		}
	}
	if job := d.obs.Job; job != nil && job.State.IsGloballyTerminal() {
		if info := st.JobStatus.SavepointInfo; info != nil && info.LastSavepoint != nil {
			d.latest = info.LastSavepoint.Location
			d.assume("the newest checkpoint Flink reports is the last savepoint status records")
		}
	}
	return d, nil
}

func (d *deployed) assume(what string) { d.assumptions = append(d.assumptions, what) }

// input is the gate.Input of the operator's next pass once head is
// applied, with diff the classified change.
func (d *deployed) input(base, head *v1beta1.FlinkDeployment, diff gate.SpecDiff) gate.Input {
	in := gate.Input{
		Spec: Defaulted(&head.Spec), Generation: base.Generation + 1, Status: d.status,
		Deployed: d.spec, FirstDeployment: d.first, Diff: &diff,
		Obs: d.obs, HA: d.ha, LatestCheckpoint: d.latest, JobManagerLost: d.lost,
		Now: planTime, Created: planTime, NewJobID: newJobID, NewTriggerID: newTriggerID,
	}
	if v, err := flinkrest.ParseVersion(string(d.spec.FlinkVersion)); err == nil {
		in.TriggerIDs = v.SupportsTriggerID()
	}
	return in
}
