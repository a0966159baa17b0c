package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// takingDownInput is a savepoint upgrade whose take-down began ago (0: not
// yet), with overdue already reported or not.
func takingDownInput(t *testing.T, ago time.Duration, overdue bool, left ...LeftOver) Input {
	old := appSpec(v1beta1.UpgradeModeSavepoint)
	in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), Observation{JobManager: v1beta1.JMMissing})
	in.Now = time.UnixMilli(1_800_000_000_000)
	in.Policy = Policy{TakeDownTimeout: time.Minute, WaitInterval: 5 * time.Second, TakeDownPollInterval: 100 * time.Millisecond}
	up := &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseTakingDown, Mode: v1beta1.UpgradeModeSavepoint, TargetGeneration: 2,
		RestorePath: "s3://b/sp/savepoint-1", JobID: newJob, TakeDownOverdue: overdue}
	if ago > 0 {
		up.TakeDownTimestamp = v1beta1.UnixMilliTimestamp(in.Now.Add(-ago).UnixMilli())
	}
	in.Status.Upgrade = up
	in.ClusterLeft = left
	return in
}

var lostPod = LeftOver{Kind: "Pod", Namespace: "ns", Name: "tm-1", Node: "node-a", Terminating: true}

func TestGateTakeDownTimeout(t *testing.T) {
	for _, tc := range []struct {
		name        string
		in          func(t *testing.T) Input
		phase       v1beta1.UpgradePhase
		action      Action
		hold        []string // substrings; none: no hold
		overdue     bool
		warning     bool
		requeue     time.Duration
		recordStart bool
	}{{
		name:  "the start of the take-down is recorded before the first delete",
		in:    func(t *testing.T) Input { return takingDownInput(t, 0, false) },
		phase: v1beta1.PhaseTakingDown, action: ActionTakeDown, requeue: 100 * time.Millisecond, recordStart: true,
	}, {
		name:  "within the timeout it waits without a word",
		in:    func(t *testing.T) Input { return takingDownInput(t, 59*time.Second, false, lostPod) },
		phase: v1beta1.PhaseTakingDown, action: ActionTakeDown, requeue: 100 * time.Millisecond,
	}, {
		name:  "overdue: reported in status and in one Warning event, still waiting",
		in:    func(t *testing.T) Input { return takingDownInput(t, time.Minute, false, lostPod) },
		phase: v1beta1.PhaseTakingDown, action: ActionTakeDown, overdue: true, warning: true, requeue: 5 * time.Second,
		hold: []string{"upgrade held", "1m0s", "take-down timeout 1m0s", "pod tm-1 on node node-a (Terminating)",
			"kubectl get node node-a", "kubectl delete pod -n ns tm-1 --force --grace-period=0", "continues by itself"},
	}, {
		name:  "reported already: no second event",
		in:    func(t *testing.T) Input { return takingDownInput(t, time.Hour, true, lostPod) },
		phase: v1beta1.PhaseTakingDown, action: ActionTakeDown, overdue: true, requeue: 5 * time.Second,
		hold: []string{"1h0m0s", "pod tm-1 on node node-a"},
	}, {
		name: "a pod not bound to a node and a Deployment being deleted",
		in: func(t *testing.T) Input {
			return takingDownInput(t, 2*time.Minute, false,
				LeftOver{Kind: "Deployment", Namespace: "ns", Name: "app", Terminating: true},
				LeftOver{Kind: "Pod", Namespace: "ns", Name: "jm-1", Terminating: true})
		},
		phase: v1beta1.PhaseTakingDown, action: ActionTakeDown, overdue: true, warning: true, requeue: 5 * time.Second,
		hold: []string{"deployment app (Terminating), pod jm-1 (not bound to a node) (Terminating)", "kubectl delete pod -n ns jm-1 --force --grace-period=0"},
	}, {
		name: "the pods went: deploy, from the savepoint",
		in: func(t *testing.T) Input {
			in := takingDownInput(t, time.Hour, true)
			in.ClusterGone = true
			return in
		},
		phase: v1beta1.PhaseDeploying, action: ActionApply,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in(t)
			d := Decide(in)
			require.NotNil(t, d.Status.Upgrade)
			up := d.Status.Upgrade
			assert.Equal(t, tc.phase, up.Phase)
			assert.Equal(t, tc.action, d.Action())
			if tc.recordStart {
				assert.Equal(t, in.Now.UnixMilli(), up.TakeDownTimestamp.UnixMilli())
			} else {
				assert.Equal(t, in.Status.Upgrade.TakeDownTimestamp, up.TakeDownTimestamp, "the recorded start is kept")
			}
			if tc.phase == v1beta1.PhaseTakingDown {
				assert.Equal(t, tc.overdue, up.TakeDownOverdue)
				assert.Equal(t, tc.requeue, d.RequeueAfter)
			}
			if len(tc.hold) == 0 {
				assert.Empty(t, d.Hold)
			}
			for _, s := range tc.hold {
				assert.Contains(t, d.Hold, s)
			}
			assert.Equal(t, tc.warning, hasEvent(d, true, ReasonTakeDownStuck, "old cluster has not gone"))
			if tc.action == ActionApply {
				assert.Equal(t, "s3://b/sp/savepoint-1", d.Apply.Context.RestorePath)
				require.NotNil(t, d.After)
				assert.Nil(t, d.After.Upgrade)
				assert.Empty(t, d.After.Error)
				assert.True(t, hasEvent(d, false, ReasonUpgrade, "The old cluster is gone after 1h0m0s"))
			}
		})
	}
}
