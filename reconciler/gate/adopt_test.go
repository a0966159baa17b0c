package gate

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const foreignJM = "Deployment/ns/app"

// adoptInput: a cluster the reference operator made runs spec; its status
// has no deployedWith, and restored from the savepoint its last upgrade
// took.
func adoptInput(t *testing.T, spec *v1beta1.FlinkDeploymentSpec, obs Observation) Input {
	obs.ForeignJobManager = foreignJM
	in := upgradeInput(t, spec, spec, obs)
	in.Status.DeployedWith = nil
	in.Status.JobStatus.UpgradeSavepointPath = "s3://b/sp-1"
	return in
}

func TestGateAdoptsWhatRuns(t *testing.T) {
	spec := appSpec(v1beta1.UpgradeModeSavepoint)
	d := Decide(adoptInput(t, spec, runningObs(flinkrest.JobRunning)))
	require.Equal(t, ActionApply, d.Action())
	assert.Empty(t, d.Hold)
	assert.Equal(t, &v1beta1.DeployedWith{JobID: oldJob, RestorePath: "s3://b/sp-1", JobManagerStarted: true}, d.Status.DeployedWith)
	assert.True(t, d.Apply.PersistFirst, "what runs is written before anything is applied")
	assert.True(t, d.Apply.GuardPodTemplates, "a pod template change is held back for the gate")
	assert.Equal(t, "s3://b/sp-1", d.Apply.Context.RestorePath, "rendered as it runs")
	assert.Equal(t, oldJob, d.Apply.Context.JobID)
}

func TestGateAdoptionHolds(t *testing.T) {
	spec := appSpec(v1beta1.UpgradeModeSavepoint)
	upgrading := adoptInput(t, spec, runningObs(flinkrest.JobRunning))
	upgrading.Status.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	unreachable := adoptInput(t, spec, Observation{JobManager: v1beta1.JMDeployedNotReady, RESTURL: "http://app-rest.ns:8081", RESTError: errors.New("i/o timeout")})
	noJob := adoptInput(t, spec, Observation{JobManager: v1beta1.JMReady, RESTURL: "http://app-rest.ns:8081"})
	firstDeploy := adoptInput(t, spec, runningObs(flinkrest.JobRunning))
	firstDeploy.Deployed, firstDeploy.Status.ReconciliationStatus = nil, v1beta1.ReconciliationStatus{}
	edited := adoptInput(t, spec, Observation{JobManager: v1beta1.JMDeployedNotReady, RESTError: errors.New("refused")})
	edited.Spec = withImage(spec, "flink:1.20.1")
	for name, tc := range map[string]struct {
		in   Input
		want string
	}{
		"stopped during an upgrade": {upgrading, "UPGRADING"},
		"REST does not answer":      {unreachable, "does not answer (i/o timeout)"},
		"no job reported":           {noJob, "reports no job"},
		"no deployed spec":          {firstDeploy, "lastReconciledSpec is empty"},
		"spec changed meanwhile":    {edited, "does not answer"},
	} {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.in)
			assert.Equal(t, ActionWait, d.Action(), "nothing is applied")
			assert.Contains(t, d.Hold, "adoption held: "+foreignJM)
			assert.Contains(t, d.Hold, tc.want)
			assert.Nil(t, d.Status.DeployedWith, "nothing recorded that was not seen")
			assert.Nil(t, d.Status.Upgrade)
		})
	}
}

func TestGateAdoptedIgnorableChangeGuardsPodTemplates(t *testing.T) {
	spec := appSpec(v1beta1.UpgradeModeSavepoint)
	in := adoptInput(t, spec, runningObs(flinkrest.JobRunning))
	in.Status.DeployedWith = &v1beta1.DeployedWith{JobID: oldJob, JobManagerStarted: true}
	// An operator-only setting: applied in place, without a restart.
	in.Spec = spec.DeepCopy()
	in.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"kubernetes.operator.periodic.savepoint.interval": "1h"})
	require.Equal(t, DiffIgnore, Classify(in.Deployed, in.Spec).Type)
	d := Decide(in)
	require.Equal(t, ActionApply, d.Action())
	assert.True(t, d.Apply.GuardPodTemplates, "the other operator's pod templates may differ from this one's")
}
