package sessionjob

import (
	"fmt"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A submitted job the session's JobManager does not know is lost: a
// session without high availability loses every job when its JobManager
// restarts (a crash, an eviction, a restart the operator did not make),
// and a JobManager forgets a job some time after it ended
// (jobstore.expiration-time). Flink keeps nothing of it to ask, not even
// its latest checkpoint.

// ReasonJobLost is the event of a lost job.
const ReasonJobLost = "JobLost"

// lostJob carries out what a lost job needs. A stateless job is submitted
// again, empty, under a new job id recorded first, as a stateless upgrade
// to the same spec: a restart loses nothing a stateless job keeps. A
// stateful one is not: submitted empty it would lose its state, and the
// operator cannot know its latest checkpoint any more, so it holds with
// Manual restore required and the way back (initialSavepointPath and
// savepointRedeployNonce, which redeploys from it). It used to say
// "delete and re-create", which starts the job empty as well.
func (p *pass) lostJob(res ctrl.Result) (ctrl.Result, error) {
	st := &p.sj.Status
	jobID, session := st.DeployedWith.JobID, p.sj.Spec.DeploymentName
	lost := fmt.Sprintf("job %s is not on session %s's JobManager: the JobManager lost it (it restarted without high availability) or forgot it long after it ended",
		jobID, session)
	recorded, err := recordedSpec(st)
	if err == nil && submission.Defaulted(recorded).Job.UpgradeMode == v1beta1.UpgradeModeStateless {
		p.r.event(p.sj, "Warning", ReasonJobLost, lost+"; submitting it again without state (upgradeMode stateless)")
		return p.startUpgrade(lost, false, "")
	}
	where := "its latest retained checkpoint (chk-<n> in the folder " + jobID + " of the checkpoint directory)"
	if dir := flinkconf.Read(&p.session.fd.Spec).CheckpointDir.Dir; dir != "" {
		where = "its latest retained checkpoint (" + strings.TrimSuffix(dir, "/") + "/" + jobID + "/chk-<n>)"
	}
	msg := lostPrefix + lost + ", and with it what REST knew of its checkpoints. Nothing is submitted: empty, the job would lose its state. " +
		"Set spec.job.initialSavepointPath to " + where + " or to a savepoint of it, and change spec.job.savepointRedeployNonce"
	if st.Error != msg {
		p.r.event(p.sj, "Warning", ReasonJobLost, msg)
	}
	st.Error = msg
	return res, nil
}
