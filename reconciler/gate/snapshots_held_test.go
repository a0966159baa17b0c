package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// heldPeriodicInput is a running job with a periodic savepoint due whose
// spec now asks for an upgrade in mode.
func heldPeriodicInput(t *testing.T, mode v1beta1.UpgradeMode) Input {
	in := periodicInput(t, "1 h", 2*time.Hour)
	in.Deployed.Job.UpgradeMode = mode
	in.Spec = withImage(in.Deployed, "flink:1.20.1")
	in.Policy = Policy{MaxSavepointAttempts: 3}
	return in
}

func abandonedUpgrade(in Input) Input {
	in.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Mode: v1beta1.UpgradeModeSavepoint,
		TargetGeneration: in.Generation, Failures: 3, LastFailure: "declined"}
	return in
}

func TestGateSavepointsWhileAnUpgradeIsHeld(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       func(t *testing.T) Input
		action   Action
		hold     string
		upgrade  bool // status.upgrade stays recorded
		recorded bool // a periodic savepoint completed
	}{{
		name: "abandoned upgrade: a due periodic savepoint is triggered",
		in: func(t *testing.T) Input {
			return abandonedUpgrade(heldPeriodicInput(t, v1beta1.UpgradeModeSavepoint))
		},
		action: ActionTriggerSavepoint, hold: "abandoned after 3 failed savepoints", upgrade: true,
	}, {
		name: "abandoned upgrade: the periodic savepoint in flight is recorded",
		in: func(t *testing.T) Input {
			in := abandonedUpgrade(heldPeriodicInput(t, v1beta1.UpgradeModeSavepoint))
			in = inFlight(in, time.Second, SavepointObservation{State: SavepointSucceeded, Location: "s3://b/sp/savepoint-p"})
			in.Status.SavepointTrigger.TriggerType, in.Status.SavepointTrigger.Nonce = v1beta1.SavepointTriggerPeriodic, nil
			return in
		},
		action: ActionApply, hold: "abandoned after 3 failed savepoints", upgrade: true, recorded: true,
	}, {
		name: "upgrade between its savepoint attempts: upgrades come first",
		in: func(t *testing.T) Input {
			in := abandonedUpgrade(heldPeriodicInput(t, v1beta1.UpgradeModeSavepoint))
			in.Status.Upgrade.Failures = 1
			in.Status.Upgrade.RetryAfter = v1beta1.UnixMilliTimestamp(in.Now.Add(time.Minute).UnixMilli())
			return in
		},
		action: ActionApply, hold: "retrying at", upgrade: true,
	}, {
		name:   "held before it started (HA metadata missing): a due periodic savepoint is triggered",
		in:     func(t *testing.T) Input { return heldPeriodicInput(t, v1beta1.UpgradeModeLastState) },
		action: ActionTriggerSavepoint, hold: "last-state upgrade held",
	}, {
		name:   "an upgrade that can start comes first",
		in:     func(t *testing.T) Input { return heldPeriodicInput(t, v1beta1.UpgradeModeSavepoint) },
		action: ActionStopWithSavepoint, upgrade: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in(t)
			d := Decide(in)
			assert.Equal(t, tc.action, d.Action())
			if tc.hold == "" {
				assert.Empty(t, d.Hold)
			} else {
				assert.Contains(t, d.Hold, tc.hold)
			}
			assert.Equal(t, tc.upgrade, d.Status.Upgrade != nil)
			switch {
			case tc.action == ActionTriggerSavepoint:
				require.NotNil(t, d.Status.SavepointTrigger)
				assert.Equal(t, v1beta1.SavepointTriggerPeriodic, d.Status.SavepointTrigger.TriggerType)
				assert.Equal(t, oldJob, d.Savepoint.JobID, "of the running job")
				assert.Equal(t, "s3://b/sp", d.Savepoint.Dir)
				assert.Positive(t, d.RequeueAfter)
			case tc.recorded:
				assert.Nil(t, d.Status.SavepointTrigger)
				assert.Equal(t, "s3://b/sp/savepoint-p", d.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
				assert.Equal(t, "PERIODIC", d.Status.JobStatus.SavepointInfo.LastSavepoint.TriggerType)
				assert.True(t, d.Apply.PersistFirst)
			default:
				assert.Nil(t, d.Status.SavepointTrigger, "no manual or periodic savepoint")
			}
		})
	}
}
