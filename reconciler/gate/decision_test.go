package gate

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The action follows from the one payload set; more than one is refused.
func TestDecisionAction(t *testing.T) {
	spec := appSpec(v1beta1.UpgradeModeSavepoint)
	for _, tc := range []struct {
		d    Decision
		want Action
	}{
		{Decision{}, ActionWait},
		{Decision{Apply: &ApplyStep{Target: spec}}, ActionApply},
		{Decision{TakeDown: &TakeDownStep{DeleteHA: true}}, ActionTakeDown},
		{Decision{Savepoint: &SavepointStep{Stop: true}}, ActionStopWithSavepoint},
		{Decision{Savepoint: &SavepointStep{}}, ActionTriggerSavepoint},
	} {
		assert.Equal(t, tc.want, tc.d.Action(), tc.want.String())
		assert.NoError(t, tc.d.Validate(), tc.want.String())
	}
	assert.Error(t, Decision{Apply: &ApplyStep{Target: spec}, TakeDown: &TakeDownStep{}}.Validate())
	assert.Error(t, Decision{Apply: &ApplyStep{}}.Validate(), "an apply needs a target")
}

// A phase entered twice in one decision is a gate bug: the decision then
// does nothing and leaves the status as it was, whatever the phases built.
func TestPhaseCycleDoesNothing(t *testing.T) {
	in := upgradeInput(t, &v1beta1.FlinkDeploymentSpec{Image: "flink:1.20"}, &v1beta1.FlinkDeploymentSpec{Image: "flink:1.20.1"}, runningObs(flinkrest.JobRunning))
	in.Status.Error = "before"

	d := phaseCycle(in, phaseSavepointing)

	assert.Equal(t, ActionWait, d.Action())
	assert.Equal(t, *in.Status, d.Status)
	assert.Contains(t, d.Hold, "entered phase")
	assert.NoError(t, d.Validate())
}
