package reconciler

// What the gate decides on, read from the cluster, the HA ConfigMaps and
// Flink's REST API for one decision.

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// gateInput observes what the gate needs beyond the pass's observation.
func (r *Reconciler) gateInput(ctx context.Context, p *gatePass) (gate.Input, error) {
	fd := p.fd
	st := &fd.Status
	in := gate.Input{
		Spec: p.desired, Generation: fd.Generation, Status: st,
		Deployed: p.deployed, FirstDeployment: p.first, Obs: *p.obs,
		Now: r.now(), Created: fd.CreationTimestamp.Time, Policy: r.GatePolicy,
	}
	var err error
	if in.NewJobID, err = flinkrest.NewTriggerID(); err != nil {
		return in, err
	}
	if in.NewTriggerID, err = flinkrest.NewTriggerID(); err != nil {
		return in, err
	}
	running := p.deployed
	if running == nil {
		running = p.desired
	}
	if v, err := flinkrest.ParseVersion(string(running.FlinkVersion)); err == nil {
		in.TriggerIDs = v.SupportsTriggerID()
	}

	in.PodTemplateDrift = p.templateDrift
	if p.obs.JobManager == v1beta1.JMMissing && p.deployed != nil && !gate.Suspended(p.deployed) {
		// The cache may not have seen a Deployment just created: ask the
		// API server before calling it lost.
		if in.JobManagerLost, in.JobManagerPodsLeft, err = r.jobManagerAbsent(ctx, fd); err != nil {
			return in, err
		}
	}

	if gate.KubernetesHA(running) {
		if in.HA, err = r.observeHA(ctx, fd); err != nil {
			return in, err
		}
		recordHA(st, in.HA, in.Now.UnixMilli())
	}

	up := st.Upgrade
	if up == nil && p.deployed != nil {
		// Only then does the gate classify the spec change.
		if in.Diff, err = r.specDiff(p); err != nil {
			return in, err
		}
		session := p.deployed.Job == nil && p.desired.Job == nil
		if session && in.Diff.Type >= gate.DiffUpgrade && r.SessionJobsRunningOn != nil {
			in.SessionJobsWatched = true
			if in.SessionJobsRunning, err = r.SessionJobsRunningOn(ctx, fd); err != nil {
				return in, err
			}
		}
	}
	reachable := p.obs.JobManager == v1beta1.JMReady && p.obs.RESTError == nil
	maxAttempts := r.GatePolicy.WithDefaults().MaxSavepointAttempts
	abandoned := gate.UpgradeAbandoned(st, maxAttempts)
	if gate.SavepointInFlight(st, maxAttempts) {
		// A manual or periodic savepoint (gate/snapshots.go).
		info := st.JobStatus.SavepointInfo
		in.Savepoint = r.pollSavepoint(ctx, p, info.TriggerID, *info.TriggerTimestamp, reachable)
		if in.Savepoint.State == gate.SavepointUnknown && reachable {
			in.LatestCheckpoint, in.LatestCheckpointTime = r.latestSavepoint(ctx, p)
		}
		if tr := st.SavepointTrigger; tr != nil && in.Savepoint.State == gate.SavepointInProgress {
			tr.SavepointProgress = r.readSavepointProgress(ctx, p, tr.SavepointProgress)
		}
	}
	switch {
	case up != nil && up.Phase == v1beta1.PhaseSavepointing && !abandoned:
		in.Savepoint = r.pollSavepoint(ctx, p, up.TriggerID, up.TriggerTimestamp.UnixMilli(), reachable)
		if in.Savepoint.State == gate.SavepointInProgress {
			up.SavepointProgress = r.readSavepointProgress(ctx, p, up.SavepointProgress)
		}
		switch {
		case in.Savepoint.State == gate.SavepointUnknown && reachable:
			in.LatestCheckpoint, in.LatestCheckpointTime = r.latestSavepoint(ctx, p)
		case reachable && p.obs.Job != nil && terminal(string(p.obs.Job.State)):
			// The job failed, or a stop-with-savepoint finished it after
			// the attempt was given up: the upgrade goes on from the
			// newest checkpoint or savepoint Flink reports.
			in.LatestCheckpoint, in.LatestCheckpointTime = r.latestCheckpoint(ctx, p)
		}
	case up != nil && up.Phase == v1beta1.PhaseTakingDown:
		if in.ClusterGone, in.ClusterLeft, err = r.observeTakeDown(ctx, fd, up, in.Now); err != nil {
			return in, err
		}
	case up == nil && reachable && p.obs.Job != nil && terminal(string(p.obs.Job.State)) && p.deployed != nil:
		if in.Diff.Type >= gate.DiffUpgrade {
			in.LatestCheckpoint, in.LatestCheckpointTime = r.latestCheckpoint(ctx, p)
		}
	}
	return in, nil
}

// recordHA notes what the HA ConfigMaps show, when it changed.
func recordHA(st *v1beta1.FlinkDeploymentStatus, ha gate.HAObservation, now int64) {
	prev := st.HighAvailability
	if prev != nil && prev.MetadataAvailable == ha.MetadataAvailable && prev.LatestCheckpointID == ha.LatestCheckpointID {
		return
	}
	st.HighAvailability = &v1beta1.HAStatus{MetadataAvailable: ha.MetadataAvailable, LatestCheckpointID: ha.LatestCheckpointID, ObservedTimestamp: v1beta1.UnixMilliTimestamp(now)}
}

func (r *Reconciler) runningRESTClient(p *gatePass) *flinkrest.Client {
	spec := p.deployed
	if spec == nil {
		spec = p.desired
	}
	fd := p.fd.DeepCopy()
	fd.Spec.FlinkVersion = spec.FlinkVersion
	return r.restClient(fd, spec, p.obs.RESTURL)
}

func runningJobID(p *gatePass) string {
	if p.obs.Job != nil {
		return p.obs.Job.ID
	}
	return p.fd.Status.JobStatus.JobID
}

// pollSavepoint asks Flink about the savepoint recorded with triggerID at
// triggerTimestamp (epoch ms).
func (r *Reconciler) pollSavepoint(ctx context.Context, p *gatePass, triggerID string, triggerTimestamp int64, reachable bool) gate.SavepointObservation {
	if p.triggerError != "" {
		return gate.SavepointObservation{TriggerError: p.triggerError}
	}
	if triggerTimestamp == 0 {
		return gate.SavepointObservation{State: gate.SavepointNotRequired}
	}
	if triggerID == "" {
		return gate.SavepointObservation{State: gate.SavepointUnknown}
	}
	if !reachable {
		return gate.SavepointObservation{}
	}
	s, err := r.runningRESTClient(p).GetSavepointStatus(ctx, runningJobID(p), triggerID)
	if err != nil && !flinkrest.IsNotFound(err) {
		log.FromContext(ctx).Info("savepoint status unavailable", "error", err.Error())
	}
	return gate.ObserveSavepoint(s, err)
}

// latestSavepoint is the newest completed savepoint the REST API reports.
func (r *Reconciler) latestSavepoint(ctx context.Context, p *gatePass) (string, int64) {
	stats, err := r.runningRESTClient(p).GetCheckpoints(ctx, runningJobID(p))
	if err != nil || stats.Latest.Savepoint == nil {
		return "", 0
	}
	sp := stats.Latest.Savepoint
	ref := flinkrest.CheckpointRef{ExternalPath: sp.ExternalPath, Discarded: sp.Discarded}
	if !ref.Restorable() {
		return "", 0
	}
	return sp.ExternalPath, sp.TriggerTimestamp
}

// latestCheckpoint is the newest restorable checkpoint or savepoint of a
// terminal job, as the REST API reports it.
func (r *Reconciler) latestCheckpoint(ctx context.Context, p *gatePass) (string, int64) {
	stats, err := r.runningRESTClient(p).GetCheckpoints(ctx, runningJobID(p))
	if err != nil {
		return "", 0
	}
	path, ok := stats.LatestRestorablePath()
	if !ok {
		return "", 0
	}
	return path, 0
}
