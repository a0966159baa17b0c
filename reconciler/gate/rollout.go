package gate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Rolling out: taking the old cluster down and deploying the target.

// takingDown deletes the old cluster once its state is safe, and waits
// until none of its pods is left: a new JobManager never starts while the
// old one may still run, because two JobManagers of one job would write
// the same checkpoints and HA data. A pod on a lost node stays Terminating
// until its node is deleted or the pod is force-deleted, so after
// Policy.TakeDownTimeout the wait is reported (takeDownStuck) and goes on.
func (g *gate) takingDown() phase {
	in := g.in
	up := g.st().Upgrade
	if in.ClusterGone {
		if up.TakeDownOverdue {
			g.event(false, ReasonUpgrade, "The old cluster is gone after %s; deploying", in.Now.Sub(time.UnixMilli(up.TakeDownTimestamp.UnixMilli())).Round(time.Second))
		}
		up.Phase = v1beta1.PhaseDeploying
		return phaseDeploying
	}
	up.Phase = v1beta1.PhaseTakingDown
	g.takeDown(TakeDownStep{DeleteHA: up.Mode == v1beta1.UpgradeModeStateless && in.Spec.Job != nil})
	g.d.RequeueAfter = in.Policy.TakeDownPollInterval
	if up.TakeDownTimestamp.IsZero() {
		// Write-ahead: recorded before the first delete, so the timeout
		// survives a restart of the operator.
		up.TakeDownTimestamp = v1beta1.UnixMilliTimestamp(in.Now.UnixMilli())
	}
	if TakeDownOverdue(up, in.Now, in.Policy) {
		g.takeDownStuck(up)
	}
	return phaseDone
}

// TakeDownOverdue: the take-down has waited TakeDownTimeout or longer.
func TakeDownOverdue(up *v1beta1.UpgradeProgress, now time.Time, p Policy) bool {
	return up.TakeDownTimestamp.UnixMilli() > 0 && now.Sub(time.UnixMilli(up.TakeDownTimestamp.UnixMilli())) >= p.TakeDownTimeout
}

// takeDownStuck reports an overdue take-down in status.error, and once in
// a Warning event, with what is left and what the user can do.
func (g *gate) takeDownStuck(up *v1beta1.UpgradeProgress) {
	in := g.in
	msg := takeDownStuckMessage(up, in.ClusterLeft, in.Now.Sub(time.UnixMilli(up.TakeDownTimestamp.UnixMilli())), in.Policy.TakeDownTimeout)
	g.d.Hold = msg
	if !up.TakeDownOverdue {
		up.TakeDownOverdue = true
		g.event(true, ReasonTakeDownStuck, "%s", msg)
	}
	// Stuck for minutes already: look less often.
	g.d.RequeueAfter = in.Policy.WaitInterval
}

// LeftOver is an object of a cluster being taken down that is still there.
type LeftOver struct {
	Kind, Namespace, Name string
	// Node is the node a pod is bound to, empty when unknown.
	Node string
	// Terminating: deletion has begun (a pod's kubelet has not confirmed
	// that its containers stopped).
	Terminating bool
}

// maxLeftOversNamed bounds the list in the message.
const maxLeftOversNamed = 5

func takeDownStuckMessage(up *v1beta1.UpgradeProgress, left []LeftOver, waited, timeout time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s held: the old cluster has not gone %s after its take-down began (take-down timeout %s, the operator's --take-down-timeout)", upgradeOrSuspend(up), waited.Round(time.Second), timeout)
	var names, nodes []string
	ns := ""
	for i, l := range left {
		if l.Kind == "Pod" && l.Terminating {
			names = append(names, l.Name)
			ns = l.Namespace
			if l.Node != "" && !slices.Contains(nodes, l.Node) {
				nodes = append(nodes, l.Node)
			}
		}
		if i >= maxLeftOversNamed {
			continue
		}
		sep := ", "
		if i == 0 {
			sep = "; still there: "
		}
		where, state := "", ""
		if l.Kind == "Pod" {
			where = " on node " + l.Node
			if l.Node == "" {
				where = " (not bound to a node)"
			}
		}
		if l.Terminating {
			state = " (Terminating)"
		}
		fmt.Fprintf(&b, "%s%s %s%s%s", sep, strings.ToLower(l.Kind), l.Name, where, state)
	}
	if n := len(left) - maxLeftOversNamed; n > 0 {
		fmt.Fprintf(&b, " and %d more", n)
	}
	b.WriteString(". The new JobManager is not started while the old one may still run, so the job stays down")
	if len(names) > 0 {
		if len(nodes) > 0 {
			fmt.Fprintf(&b, ". Terminating pods on a lost node are only removed once the node is deleted or the pods are force-deleted: if node %s is gone for good (kubectl get node %s), delete the Node object, or force-delete the pods", strings.Join(nodes, ", "), strings.Join(nodes, " "))
		} else {
			b.WriteString(". If their kubelet can no longer confirm that they stopped, force-delete the pods")
		}
		fmt.Fprintf(&b, ": kubectl delete pod -n %s %s --force --grace-period=0 (only once their containers can no longer run). The %s then continues by itself", ns, strings.Join(names, " "), upgradeOrSuspend(up))
	} else {
		fmt.Fprintf(&b, "; it continues by itself once they are gone")
	}
	return b.String()
}

// deploying applies the target spec with the recorded restore path and
// job id, and marks the upgrade done once applied.
// deploying deploys the upgrade's target: the last phase of an upgrade.
func (g *gate) deploying() phase {
	in, st := g.in, g.st()
	up := st.Upgrade
	up.Phase = v1beta1.PhaseDeploying
	target := in.Spec.DeepCopy()
	susp := Suspended(target)
	if susp {
		// Resume restores with the mode the job was suspended with.
		target.Job.UpgradeMode = up.Mode
	}
	if reason := g.restoreMismatch(up, target); reason != "" && !susp {
		g.hold(reason)
		return phaseDone
	}
	after := st.DeepCopy()
	after.Upgrade = nil
	g.recordReconciled(after, target, in.Deployed == nil)
	after.DeployedWith = &v1beta1.DeployedWith{RestorePath: up.RestorePath, JobID: up.JobID}
	after.Error = ""
	if target.Job != nil {
		if susp {
			after.JobStatus.State = string(flinkrest.JobSuspended)
			// Where the resume restores from: the suspend's savepoint,
			// Flink's HA data (last-state) or a redeploy's savepoint.
			if up.RestorePath != "" {
				after.JobStatus.UpgradeSavepointPath = up.RestorePath
			}
		} else {
			after.JobStatus.JobID = up.JobID
			after.JobStatus.State = string(flinkrest.JobReconciling)
			after.JobStatus.StartTime, after.JobStatus.UpdateTime = "", ""
		}
	}
	if in.Deployed == nil {
		g.event(false, ReasonSubmit, "Starting deployment %s", describeRestore(up.RestorePath))
	} else if susp {
		g.event(false, ReasonSuspended, "Job suspended (%s)", up.Mode)
	}
	step := ApplyStep{Target: target, Context: renderer.RenderContext{RestorePath: up.RestorePath, StartEmpty: true, JobID: up.JobID}}
	if target.Job != nil && !susp && KubernetesHA(target) {
		// Before every application deploy with HA: Flink recovers any job
		// graph it finds in HA next to the job it is given (a zombie job
		// of an earlier spec, or of a deleted FlinkDeployment of the same
		// name). A stateless deploy starts from no HA data at all.
		step.DeleteHA = up.Mode == v1beta1.UpgradeModeStateless
		step.StripHAJobGraphs = !step.DeleteHA
	}
	g.apply(step)
	g.d.After = after
	return phaseDone
}

// restoreMismatch says why target cannot restore from what the upgrade
// kept, or "". The planner (takeDownRunningJob, resume) applies the Flink
// version and state backend rules to the spec it planned for; a spec edited
// while the upgrade was under way is checked again here, before anything
// starts from the kept state.
func (g *gate) restoreMismatch(up *v1beta1.UpgradeProgress, target *v1beta1.FlinkDeploymentSpec) string {
	deployed := g.in.Deployed
	if deployed == nil || deployed.Job == nil || target.Job == nil || up.RestorePath == "" {
		return ""
	}
	fromHA := up.Mode == v1beta1.UpgradeModeLastState || up.RestorePath == LastStateRestorePath
	from, to, backendChanged := g.stateBackendChange()
	switch {
	case fromHA && deployed.FlinkVersion != target.FlinkVersion:
		return fmt.Sprintf("upgrade held before deploying: spec.flinkVersion changed from %s to %s while a last-state upgrade was under way, and Kubernetes HA metadata is not compatible across Flink versions. The job's state is kept in HA: set spec.flinkVersion back to %s to finish this upgrade, then change the version with upgradeMode savepoint", deployed.FlinkVersion, target.FlinkVersion, deployed.FlinkVersion)
	case backendChanged && (fromHA || savepointFormatOf(g.st(), up.RestorePath) != string(flinkrest.SavepointFormatCanonical)):
		return fmt.Sprintf("upgrade held before deploying: the state backend changed from %s to %s while the upgrade was under way, and the job's state, kept at %s, can be restored only by %s. Set the state backend back to %s to finish this upgrade; changing it afterwards takes a CANONICAL savepoint", from, to, strings.TrimPrefix(describeRestore(up.RestorePath), "from "), from, from)
	}
	return ""
}
