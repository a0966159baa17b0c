package planner

import (
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Classification is what a gate decision says of a spec change.
type Classification struct {
	Change      Change
	Action      string
	State       State
	RestorePath string
	StateRule   string
	Reason      string
	Fields      []string
	Restart     Restart
}

// Decide is the operator's decision on in, read as a classification.
func Decide(in gate.Input) Classification {
	return Read(in, gate.Decide(in))
}

// Read classifies the change of in from the gate's decision d on it: the
// class of the change comes from the gate's SpecDiff, and for a restart,
// whether it was held and how the state is kept from the upgrade the
// decision records (status.upgrade) and its action.
func Read(in gate.Input, d gate.Decision) Classification {
	diff := gate.Classify(in.Deployed, in.Spec)
	if in.Diff != nil {
		diff = *in.Diff
	}
	c := Classification{Fields: diff.Fields, StateRule: d.StateRule, Restart: RestartNone}
	switch diff.Type {
	case gate.DiffNone:
		c.Change = ChangeNone
		return c
	case gate.DiffIgnore:
		c.Change = ChangeIgnored
		return c
	case gate.DiffScale:
		c.Change = ChangeScale
		return c
	}
	up := d.Status.Upgrade
	switch {
	case up == nil && d.Hold != "":
		c.Change, c.Reason, c.Restart = ChangeHeld, d.Hold, RestartHeld
		return c
	case up == nil:
		// A suspended job edited and left suspended: recorded, nothing
		// runs, so nothing restarts.
		c.Change = ChangeIgnored
		return c
	}
	c.Change = ChangeUpgrade
	switch {
	case up.Suspend:
		c.Action = "suspend"
	case gate.Suspended(in.Deployed):
		c.Action = "resume"
	case diff.Type == gate.DiffSavepointRedeploy:
		c.Action = "savepoint-redeploy"
	default:
		c.Action = "upgrade"
	}
	c.RestorePath = up.RestorePath
	switch {
	case d.Action() == gate.ActionStopWithSavepoint || up.Phase == v1beta1.PhaseSavepointing:
		c.State, c.RestorePath = StateSavepoint, ""
	case in.Spec.Job == nil || in.Deployed.Job == nil:
		c.State = StateSession
	case up.Mode == v1beta1.UpgradeModeLastState:
		c.State = StateLastState
		if c.RestorePath == gate.LastStateRestorePath {
			c.RestorePath = ""
		}
	case up.RestorePath != "":
		c.State = StateRestore
	default:
		c.State = StateStateless
	}
	c.Restart = RestartWithState
	if c.State == StateStateless {
		c.Restart = RestartWithoutState
	}
	return c
}
