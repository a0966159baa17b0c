package gate

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// lostInput: the JobManager Deployment of a cluster running spec is gone.
func lostInput(t *testing.T, spec *v1beta1.FlinkDeploymentSpec, ha HAObservation) Input {
	in := upgradeInput(t, spec, spec, Observation{JobManager: v1beta1.JMMissing})
	in.Generation = 1
	in.Status.JobStatus.State = "RECONCILING"
	in.JobManagerLost, in.HA = true, ha
	return in
}

func TestGateLostJobManager(t *testing.T) {
	haSpec := appSpec(v1beta1.UpgradeModeSavepoint)
	haSpec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha"})
	off := appSpec(v1beta1.UpgradeModeStateless)
	off.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{flinkconf.KeyJMDeploymentRecovery: "FALSE"})
	session := appSpec(v1beta1.UpgradeModeStateless)
	session.Job = nil
	finished := lostInput(t, appSpec(v1beta1.UpgradeModeStateless), HAObservation{})
	finished.Status.JobStatus.State = "FINISHED"
	podsLeft := lostInput(t, appSpec(v1beta1.UpgradeModeStateless), HAObservation{})
	podsLeft.JobManagerPodsLeft = true

	for name, tc := range map[string]struct {
		in       Input
		recreate bool
		hold     string
	}{
		"savepoint without HA":     {lostInput(t, appSpec(v1beta1.UpgradeModeSavepoint), HAObservation{}), false, "Manual restore required"},
		"last-state, HA data gone": {lostInput(t, haSpec, HAObservation{Enabled: true}), false, "HA metadata is gone"},
		"HA metadata":              {lostInput(t, haSpec, HAObservation{Enabled: true, MetadataAvailable: true}), true, ""},
		"stateless":                {lostInput(t, appSpec(v1beta1.UpgradeModeStateless), HAObservation{}), true, ""},
		"session":                  {lostInput(t, session, HAObservation{}), true, ""},
		"recovery off":             {lostInput(t, off, HAObservation{}), false, flinkconf.KeyJMDeploymentRecovery},
		"finished job":             {finished, false, "FINISHED"},
		"old JobManager pods left": {podsLeft, false, "waiting for its JobManager pods"},
	} {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.in)
			if tc.recreate {
				assert.Equal(t, ActionApply, d.Action())
				assert.Empty(t, d.Hold)
				return
			}
			assert.Equal(t, ActionWait, d.Action(), "nothing is applied")
			assert.Contains(t, d.Hold, tc.hold)
		})
	}
}

func TestGateSuspendedJobHasNoLostJobManager(t *testing.T) {
	spec := appSpec(v1beta1.UpgradeModeSavepoint)
	spec.Job.State = v1beta1.JobStateSuspended
	d := Decide(lostInput(t, spec, HAObservation{}))
	assert.Equal(t, ActionApply, d.Action())
	assert.Empty(t, d.Hold)
}
