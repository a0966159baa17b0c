package gate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A session job's change is classified by the rules of a FlinkDeployment's
// job: each edit a user makes to spec.job, the job-level configuration or
// the nonces gets the type Classify gives the same edit of an application
// FlinkDeployment (native, where no parallelism change is in place).
func TestSessionJobChangesClassifyAsApplicationJobChanges(t *testing.T) {
	sessionJob := func() *v1beta1.FlinkSessionJobSpec {
		return &v1beta1.FlinkSessionJobSpec{
			DeploymentName: "session",
			Job: &v1beta1.JobSpec{JarURI: "https://repo.example.com/job.jar", EntryClass: "org.example.Orders", Args: []string{"--a"},
				Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint, State: v1beta1.JobStateRunning},
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]any{"execution.checkpointing.interval": "10s", "kubernetes.operator.savepoint.history.max.count": "5"}),
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*v1beta1.FlinkSessionJobSpec)
		want gate.DiffType
	}{
		{"nothing", func(*v1beta1.FlinkSessionJobSpec) {}, gate.DiffNone},
		{"upgradeMode alone", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeLastState }, gate.DiffIgnore},
		{"initialSavepointPath alone", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.InitialSavepointPath = "s3://b/sp-1" }, gate.DiffIgnore},
		{"allowNonRestoredState alone", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.AllowNonRestoredState = ptr.To(true) }, gate.DiffIgnore},
		{"checkpointTriggerNonce", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.CheckpointTriggerNonce = ptr.To[int64](1) }, gate.DiffIgnore},
		{"savepointTriggerNonce is no spec change", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.SavepointTriggerNonce = ptr.To[int64](1) }, gate.DiffNone},
		{"an operator key", func(s *v1beta1.FlinkSessionJobSpec) {
			s.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"execution.checkpointing.interval": "10s", "kubernetes.operator.savepoint.history.max.count": "9"})
		}, gate.DiffIgnore},
		{"a key Flink reads", func(s *v1beta1.FlinkSessionJobSpec) {
			s.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"execution.checkpointing.interval": "20s", "kubernetes.operator.savepoint.history.max.count": "5"})
		}, gate.DiffUpgrade},
		{"the same keys nested", func(s *v1beta1.FlinkSessionJobSpec) {
			s.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"execution": map[string]any{"checkpointing": map[string]any{"interval": "10s"}}, "kubernetes.operator.savepoint.history.max.count": "5"})
		}, gate.DiffNone},
		{"parallelism", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.Parallelism = 4 }, gate.DiffUpgrade},
		{"jar", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.JarURI = "https://repo.example.com/job-2.jar" }, gate.DiffUpgrade},
		{"args", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.Args = nil }, gate.DiffUpgrade},
		{"suspend", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.State = v1beta1.JobStateSuspended }, gate.DiffUpgrade},
		{"restartNonce set", func(s *v1beta1.FlinkSessionJobSpec) { s.RestartNonce = ptr.To[int64](1) }, gate.DiffUpgrade},
		{"savepointRedeployNonce set", func(s *v1beta1.FlinkSessionJobSpec) { s.Job.SavepointRedeployNonce = ptr.To[int64](1) }, gate.DiffSavepointRedeploy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deployed, desired := sessionJob(), sessionJob()
			tc.edit(desired)
			got := gate.ClassifySessionJob(deployed, desired)
			assert.Equal(t, tc.want.String(), got.Type.String(), "fields: %v", got.Fields)

			// The same edit of an application FlinkDeployment.
			app := func(s *v1beta1.FlinkSessionJobSpec) *v1beta1.FlinkDeploymentSpec {
				return &v1beta1.FlinkDeploymentSpec{Image: "flink:2.2", FlinkVersion: "v2_2", Mode: ptr.To(v1beta1.ModeNative),
					Job: s.Job, FlinkConfiguration: s.FlinkConfiguration, RestartNonce: s.RestartNonce}
			}
			assert.Equal(t, gate.Classify(app(deployed), app(desired)).Type.String(), got.Type.String(), "as for a FlinkDeployment")
		})
	}
	// A restartNonce removed asks for nothing.
	withNonce := sessionJob()
	withNonce.RestartNonce = ptr.To[int64](1)
	assert.Equal(t, gate.DiffNone, gate.ClassifySessionJob(withNonce, sessionJob()).Type)
}
