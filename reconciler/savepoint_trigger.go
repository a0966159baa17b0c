package reconciler

import (
	"context"
	"errors"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
)

// triggerSavepoint carries out a gate.SavepointStep without Stop: a manual or periodic
// savepoint that leaves the job running (gate/snapshots.go decides it). The
// attempt is already recorded in status. A refusal (4xx) is the attempt's
// failure; a lost answer is found out by the next poll, and a repeated
// trigger with the same id is the same savepoint on Flink 1.15+.
func (r *Reconciler) triggerSavepoint(ctx context.Context, p *gatePass, sp gate.SavepointStep) (bool, error) {
	if err := beforeSideEffect(ctx); err != nil {
		return false, err
	}
	rest := r.runningRESTClient(p)
	id, err := rest.TriggerSavepoint(ctx, sp.JobID, flinkrest.SavepointRequest{
		TargetDirectory: sp.Dir, FormatType: sp.FormatType, TriggerID: sp.TriggerID,
	})
	var apiErr *flinkrest.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && !flinkrest.IsNotFound(err):
		p.triggerError = err.Error()
		return true, nil
	case err != nil:
		log.FromContext(ctx).Info("savepoint trigger call failed; polling will tell whether Flink got it",
			"flinkDeployment", p.fd.Namespace+"/"+p.fd.Name, "job", sp.JobID, "error", err.Error())
		return false, nil
	}
	if info := p.fd.Status.JobStatus.SavepointInfo; info != nil && info.TriggerID == "" {
		// Flink < 1.15 chose the id; record it at once.
		info.TriggerID = id
		if err := r.persist(ctx, p, ""); err != nil {
			return false, err
		}
	}
	if err := r.stepHook(StepSavepointTriggered); err != nil {
		return false, err
	}
	return true, nil
}
