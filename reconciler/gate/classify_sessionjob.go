package gate

import (
	"sort"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// ClassifySessionJob compares a FlinkSessionJob's submitted spec with the
// desired one by the rules Classify applies to a FlinkDeployment's job and
// configuration, so the two kinds never disagree on what a change takes:
// upgradeMode, initialSavepointPath, allowNonRestoredState, operator-only
// keys and the checkpoint nonce are IGNORE; the job's jar, entry class,
// args, parallelism (no session job rescales in place) and state, a
// job-level key Flink reads, and a new restartNonce are UPGRADE; a new
// savepointRedeployNonce is SAVEPOINT_REDEPLOY. savepointTriggerNonce is
// no spec change, as for a FlinkDeployment. Both specs must be defaulted
// (upgradeMode and state spelt out).
func ClassifySessionJob(deployed, desired *v1beta1.FlinkSessionJobSpec) SpecDiff {
	var c classifier
	if desired.RestartNonce != nil {
		c.field("spec.restartNonce", DiffUpgrade, deployed.RestartNonce, desired.RestartNonce)
	}
	// The configuration rules read a FlinkDeployment spec; only its
	// flinkConfiguration is set.
	c.config(&v1beta1.FlinkDeploymentSpec{FlinkConfiguration: deployed.FlinkConfiguration},
		&v1beta1.FlinkDeploymentSpec{FlinkConfiguration: desired.FlinkConfiguration})
	c.job(deployed.Job, desired.Job)
	sort.Strings(c.diff.Fields)
	return c.diff
}
