package gate

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
