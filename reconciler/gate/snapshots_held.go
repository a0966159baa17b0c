package gate

import "github.com/flinkops/flink-operator/schemas/v1beta1"

// Manual and periodic savepoints while an upgrade is held or abandoned:
// the old job keeps running the deployed spec, so it keeps getting them
// (issue 15, story 11). Upgrades still come first: the moment the upgrade
// can start, settleTriggerBeforeUpgrade (snapshots.go) ends the savepoint
// in flight.

// UpgradeAbandoned: status.upgrade holds an upgrade given up after
// maxAttempts failed stop-with-savepoints (savepoint.go). Nothing of
// it is in flight and the old job keeps running the deployed spec, so its
// manual and periodic savepoints are served as if no upgrade were
// recorded.
func UpgradeAbandoned(st *v1beta1.FlinkDeploymentStatus, maxAttempts int32) bool {
	up := st.Upgrade
	return up != nil && up.Phase == v1beta1.PhaseSavepointing && up.Failures >= maxAttempts
}

// heldBeforeStart serves manual and periodic savepoints while a spec
// change that needs an upgrade cannot start it (the HA metadata is
// missing, the job is not running, ...), whatever becomes of those
// savepoints. The old job keeps running the deployed spec meanwhile, and
// the reference operator keeps taking its savepoints too (a spec change it
// cannot reconcile yet falls through to reconcileOtherChanges). It reports
// false, and decides nothing, when the upgrade could start: upgrades come
// first, and settleTriggerBeforeUpgrade ends the savepoint in flight.
func (g *gate) heldBeforeStart(diff SpecDiff) bool {
	// An upgrade that starts records status.upgrade before its first
	// phase, so startUpgrade alone tells whether it would start.
	probe := &gate{in: g.in, d: Decision{Status: *g.st().DeepCopy()}}
	if next := probe.startUpgrade(diff); next != phaseDone || probe.d.Hold == "" || probe.st().Upgrade != nil {
		return false
	}
	g.d, g.persist, g.sessionJobsHeld = probe.d, probe.persist, probe.sessionJobsHeld
	g.snapshotsWhileHeld()
	return true
}

// snapshotsWhileHeld serves manual and periodic savepoints of the running
// job of a held or abandoned upgrade. The hold and its reason stay, and
// the hold is looked at again as often as before.
func (g *gate) snapshotsWhileHeld() {
	requeue := g.d.RequeueAfter
	g.d.RequeueAfter = 0
	g.snapshots()
	if requeue > 0 && (g.d.RequeueAfter == 0 || requeue < g.d.RequeueAfter) {
		g.d.RequeueAfter = requeue
	}
}
