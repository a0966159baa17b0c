package sessionjob

import (
	"context"
	"encoding/json"
	"errors"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Manual (spec.job.savepointTriggerNonce) and periodic
// (kubernetes.operator.periodic.savepoint.interval) savepoints of the
// submitted job. The gate decides them by a FlinkDeployment's rules
// (gate.SessionJobSnapshots); this file gathers the facts and carries the
// decision out: the attempt is written to status before the trigger is
// sent, with the trigger id Flink 1.15+ deduplicates, so a restarted
// operator polls the same savepoint rather than take a second.

// snapshots observes the job, then starts, follows or ends a savepoint.
func (p *pass) snapshots(ctx context.Context) (ctrl.Result, error) {
	res := p.observe(ctx)
	if p.lost {
		return p.lostJob(res)
	}
	if p.rest == nil || p.sj.Spec.Job == nil {
		return res, nil
	}
	in, err := p.snapshotInput(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	return p.carryOutSnapshot(ctx, in, gate.SessionJobSnapshots(in), res)
}

// settleSnapshot ends a savepoint in flight before an upgrade starts; the
// upgrade waits while it may still complete.
func (p *pass) settleSnapshot(ctx context.Context) (ctrl.Result, error) {
	in, err := p.snapshotInput(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	d := gate.SettleSessionJobSnapshot(in)
	res, err := p.carryOutSnapshot(ctx, in, d, ctrl.Result{Requeue: true})
	if err == nil && d.UpgradeWaits {
		p.sj.Status.Error = "the spec change waits for the " + string(p.sj.Status.SavepointTrigger.TriggerType) +
			" savepoint in progress (trigger " + p.sj.Status.JobStatus.SavepointInfo.TriggerID + ") to complete, at most the savepoint timeout"
		res = ctrl.Result{RequeueAfter: p.r.progressInterval()}
	}
	return res, err
}

// snapshotInput gathers the facts: the submitted and desired specs, the
// job as this pass saw it, and the poll of the attempt in flight.
func (p *pass) snapshotInput(ctx context.Context) (gate.SessionJobSnapshotInput, error) {
	st := &p.sj.Status
	submitted, err := recordedSpec(st)
	if err != nil {
		return gate.SessionJobSnapshotInput{}, p.ref().Errorf("read status.reconciliationStatus.lastReconciledSpec: %w", err)
	}
	trigger, err := flinkrest.NewTriggerID()
	if err != nil {
		return gate.SessionJobSnapshotInput{}, p.ref().Errorf("choose a savepoint trigger id: %w", err)
	}
	in := gate.SessionJobSnapshotInput{
		Submitted: defaulted(submitted), Spec: defaulted(&p.sj.Spec), Generation: p.sj.Generation,
		SessionConfiguration: p.session.fd.Spec.FlinkConfiguration, FlinkVersion: p.session.fd.Spec.FlinkVersion,
		Status: st, TriggerIDs: p.rest.Version().SupportsTriggerID(),
		Now: p.r.now(), Created: p.sj.CreationTimestamp.Time, NewTriggerID: trigger, Policy: p.r.SnapshotPolicy,
	}
	if job := p.job; job != nil {
		in.Job = &flinkrest.JobOverview{ID: job.ID, Name: job.Name, State: job.State, StartTime: job.StartTime, EndTime: job.EndTime}
	}
	if info := st.JobStatus.SavepointInfo; st.SavepointTrigger != nil && info != nil && info.TriggerTimestamp != nil {
		in.Savepoint = p.pollSnapshot(ctx, info.TriggerID)
		if in.Savepoint.State == gate.SavepointUnknown {
			in.LatestCheckpoint, in.LatestCheckpointTime = p.latestSavepoint(ctx)
		}
	}
	return in, nil
}

// pollSnapshot asks Flink about the recorded attempt.
func (p *pass) pollSnapshot(ctx context.Context, triggerID string) gate.SavepointObservation {
	if triggerID == "" {
		return gate.SavepointObservation{State: gate.SavepointUnknown}
	}
	s, err := p.rest.GetSavepointStatus(ctx, p.sj.Status.DeployedWith.JobID, triggerID)
	if err != nil && !flinkrest.IsNotFound(err) {
		// Not known: the gate waits, and drops nothing.
		log.FromContext(ctx).Info("savepoint status unavailable", "flinkSessionJob", p.ref().String(), "error", err.Error())
	}
	return gate.ObserveSavepoint(s, err)
}

// latestSavepoint is the newest restorable savepoint REST reports of the
// job, with its trigger time.
func (p *pass) latestSavepoint(ctx context.Context) (string, int64) {
	stats, err := p.rest.GetCheckpoints(ctx, p.sj.Status.DeployedWith.JobID)
	if err != nil || stats.Latest.Savepoint == nil {
		return "", 0
	}
	sp := stats.Latest.Savepoint
	if !(flinkrest.CheckpointRef{ExternalPath: sp.ExternalPath, Discarded: sp.Discarded}).Restorable() {
		return "", 0
	}
	return sp.ExternalPath, sp.TriggerTimestamp
}

// carryOutSnapshot records the decision and sends its trigger, the record
// first. A trigger Flink refuses is decided on again at once, as a failed
// attempt.
func (p *pass) carryOutSnapshot(ctx context.Context, in gate.SessionJobSnapshotInput, d gate.SessionJobSnapshotDecision, res ctrl.Result) (ctrl.Result, error) {
	if err := p.applySnapshotDecision(d); err != nil {
		return ctrl.Result{}, err
	}
	if d.Savepoint != nil {
		refused, err := p.triggerSnapshot(ctx, *d.Savepoint)
		if err != nil {
			return ctrl.Result{}, err
		}
		if refused != "" {
			in.Status = &p.sj.Status
			in.Savepoint = gate.SavepointObservation{TriggerError: refused}
			again := gate.SessionJobSnapshots(in)
			again.Savepoint = nil // a retry waits for its backoff
			if err := p.applySnapshotDecision(again); err != nil {
				return ctrl.Result{}, err
			}
			d = again
		}
	}
	if d.RequeueAfter > 0 && (res.RequeueAfter == 0 || d.RequeueAfter < res.RequeueAfter) {
		res.RequeueAfter = d.RequeueAfter
	}
	return res, nil
}

// applySnapshotDecision writes the decision into status: the savepoint
// records, a consumed nonce into the submitted spec, and the events.
func (p *pass) applySnapshotDecision(d gate.SessionJobSnapshotDecision) error {
	st := &p.sj.Status
	st.JobStatus.SavepointInfo = d.Status.JobStatus.SavepointInfo
	st.SavepointTrigger = d.Status.SavepointTrigger
	st.ObservedGeneration = d.Status.ObservedGeneration
	if d.ConsumedNonce != nil {
		recorded, err := recordedSpec(st)
		if err != nil {
			return p.ref().Errorf("read status.reconciliationStatus.lastReconciledSpec to record the savepoint nonce served: %w", err)
		}
		recorded.Job.SavepointTriggerNonce = d.ConsumedNonce
		b, err := json.Marshal(recorded)
		if err != nil {
			return p.ref().Errorf("record the savepoint nonce served: %w", err)
		}
		st.ReconciliationStatus.LastReconciledSpec = string(b)
	}
	for _, ev := range d.Events {
		if ev.Warning {
			p.r.event(p.sj, "Warning", ev.Reason, ev.Message)
		} else {
			p.r.event(p.sj, "Normal", ev.Reason, ev.Message)
		}
	}
	return nil
}

// triggerSnapshot writes the recorded attempt, then sends it. It returns
// Flink's refusal (a 4xx other than 404: no savepoint directory, say); any
// other failure is left to the next poll, which tells whether Flink got
// the trigger.
func (p *pass) triggerSnapshot(ctx context.Context, sp gate.SavepointStep) (string, error) {
	if err := p.persist(ctx); err != nil {
		return "", err
	}
	_, err := p.rest.TriggerSavepoint(ctx, sp.JobID, flinkrest.SavepointRequest{TargetDirectory: sp.Dir, FormatType: sp.FormatType, TriggerID: sp.TriggerID})
	if herr := p.r.hook(HookSnapshotSent); herr != nil {
		return "", herr
	}
	var apiErr *flinkrest.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && !flinkrest.IsNotFound(err):
		return err.Error(), nil
	case err != nil:
		log.FromContext(ctx).Info("savepoint trigger call failed; polling will tell whether Flink got it",
			"flinkSessionJob", p.ref().String(), "job", sp.JobID, "error", err.Error())
	}
	return "", nil
}

// recordableSpec is the spec to record as submitted: the current one, with
// the savepoint nonce last served, so that a nonce changed together with
// an upgrade is served once the new job runs (as for a FlinkDeployment)
// rather than counted as served by the upgrade.
func (p *pass) recordableSpec() *v1beta1.FlinkSessionJobSpec {
	spec := p.sj.Spec.DeepCopy()
	if recorded, err := recordedSpec(&p.sj.Status); err == nil && spec.Job != nil {
		spec.Job.SavepointTriggerNonce = recorded.Job.SavepointTriggerNonce
	}
	return spec
}
