package sessionjob

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Event reasons of upgrades without a savepoint.
const (
	// ReasonStatelessUpgrade: a stateless upgrade started.
	ReasonStatelessUpgrade = "StatelessUpgrade"
	// ReasonSavepointRedeploy: a savepoint redeploy (savepointRedeployNonce) started.
	ReasonSavepointRedeploy = "SavepointRedeploy"
)

// The stateless upgrade, the one spec change this release carries out:
// record the new job id and the spec to submit (phase TakingDown), cancel
// the deployed job, wait until Flink reports it globally terminal (or no
// longer knows it), then submit as a first deployment does (phase
// Deploying). The old job is never running when the new one is submitted,
// and a restart at any point resumes from what status records: a second
// cancel is not sent while the job is CANCELLING, and the new id is the
// recorded one.

// startUpgrade records the upgrade before anything is sent. restorePath
// is what the new job starts from: empty for a stateless upgrade,
// spec.job.initialSavepointPath for a savepoint redeploy.
func (p *pass) startUpgrade(change string, suspend bool, restorePath string) (ctrl.Result, error) {
	st := &p.sj.Status
	up, err := p.recordUpgrade(v1beta1.UpgradeProgress{Phase: v1beta1.PhaseTakingDown, Mode: v1beta1.UpgradeModeStateless, Suspend: suspend, RestorePath: restorePath})
	if err != nil {
		return ctrl.Result{}, err
	}
	jobID := up.JobID
	then := fmt.Sprintf("then submitting generation %d as job %s without state", p.sj.Generation, jobID)
	if restorePath != "" {
		then = fmt.Sprintf("then submitting generation %d as job %s from %s", p.sj.Generation, jobID, restorePath)
	}
	if suspend {
		then = "nothing runs until the spec is resumed"
	}
	note := fmt.Sprintf("%s; cancelling job %s, %s", change, st.DeployedWith.JobID, then)
	if restorePath != "" {
		p.r.event(p.sj, "Normal", ReasonSavepointRedeploy, note)
	} else {
		p.r.event(p.sj, "Normal", ReasonStatelessUpgrade, note)
	}
	return ctrl.Result{Requeue: true}, nil
}

// takeDownFacts reads what the take-down table needs: the deployed job
// and, for a restore of its latest checkpoint once it has ended, that
// checkpoint.
func (p *pass) takeDownFacts(ctx context.Context, sessionReady, deployed bool) gate.SessionJobTakeDownFacts {
	st := &p.sj.Status
	f := gate.SessionJobTakeDownFacts{FromCheckpoint: st.Upgrade.Mode == v1beta1.UpgradeModeLastState, SessionReady: sessionReady}
	switch {
	case !deployed:
		f.Job = gate.SessionJobRunMissing // nothing was deployed to take down
	case !sessionReady || p.rest == nil:
		f.Job = gate.SessionJobRunNoAnswer
	default:
		f.Job = p.deployedRun(ctx)
	}
	if f.FromCheckpoint && f.Job == gate.SessionJobRunEnded {
		f.Checkpoint = p.latestCheckpoint(ctx, flinkrest.JobStatus(st.JobStatus.State))
	}
	return f
}

// cancel cancels the deployed job, unless Flink already cancels it.
func (p *pass) cancel(ctx context.Context) (ctrl.Result, error) {
	st := &p.sj.Status
	if st.JobStatus.State != string(flinkrest.JobCancelling) {
		if err := p.fence(ctx); err != nil {
			return ctrl.Result{}, err
		}
		id := st.DeployedWith.JobID
		// 409: the job became terminal meanwhile (Flink 1.15+); the next
		// pass sees it ended.
		if err := p.rest.CancelJob(ctx, id); err != nil && !flinkrest.IsConflict(err) {
			return ctrl.Result{}, p.ref().Errorf("cancel job %s on session %s for the upgrade: %w", id, p.sj.Spec.DeploymentName, err)
		}
		if err := p.r.hook(HookCancelSent); err != nil {
			return ctrl.Result{}, err
		}
		p.setState(string(flinkrest.JobCancelling))
	}
	return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
}

// deployUpgrade moves to the submission once the old job ended: from here
// on, the upgrade is a first submission of the recorded id and spec.
func (p *pass) deployUpgrade() {
	st := &p.sj.Status
	st.Upgrade.Phase = v1beta1.PhaseDeploying
	st.DeployedWith = nil
	st.JobStatus.JobID = ""
}
