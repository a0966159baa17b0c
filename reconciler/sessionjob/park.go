package sessionjob

import (
	"fmt"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A session's restart keeps its session jobs' state (issue 20: "the gate
// takes a savepoint of each stateful job first, and each job is resumed
// from its own savepoint once the cluster is back"). The gate of the
// session FlinkDeployment holds a change that would restart it while
// session jobs run there, and says so in status.sessionUpgrade
// (reconciler/gate, holdForSessionJobs). Each session job then:
//
//  1. parks: it is taken down as a suspend is (savepoint.go, upgrade.go),
//     with its own write-ahead record, a stop-with-savepoint for
//     upgradeMode savepoint or last-state, a cancel for stateless; but its
//     recorded spec keeps running, so nothing says the user suspended it;
//  2. waits while the session restarts: nothing is submitted while
//     status.sessionUpgrade or status.upgrade of the session is set, nor
//     while the session is not READY;
//  3. resumes from its savepoint (resume, as after a suspend), with the
//     spec current then.
//
// The session counts the session jobs that run or are in the middle of a
// step (sessionjob.RunningJobs); once all are parked, it restarts. A job
// that cannot take a savepoint (it FAILED, say) keeps the session waiting,
// and its status says why: restarting the session would lose what REST
// knows of its checkpoints.

// parkPlan is the take-down of a deployed job for its session's restart.
func parkPlan(session *v1beta1.FlinkDeployment, spec *v1beta1.FlinkSessionJobSpec) (string, Plan) {
	what := fmt.Sprintf("session %s restarts to run its new spec", session.Name)
	if spec.Job != nil && defaulted(spec).Job.UpgradeMode == v1beta1.UpgradeModeStateless {
		return what + ": cancelling the job (upgradeMode stateless), to submit it again once the session runs", PlanSuspendCancel
	}
	return what + ": stopping the job with a savepoint, to submit it again from it once the session runs", PlanSuspendSavepoint
}

// parked reports a job stopped for a session restart: nothing is deployed
// or in progress, and it was stopped (SUSPENDED) while its recorded spec
// kept running, which only a park does (a user's suspend records the
// suspended spec).
func parked(st *v1beta1.FlinkSessionJobStatus) bool {
	if st.DeployedWith != nil || st.Upgrade != nil || st.JobStatus.State != "SUSPENDED" {
		return false
	}
	recorded, err := recordedSpec(st)
	return err == nil && recorded.Job.State != v1beta1.JobStateSuspended
}
