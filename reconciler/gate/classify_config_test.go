package gate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// BenchmarkClassifyUnchanged classifies a spec against itself, which every
// reconcile of a settled FlinkDeployment does.
func BenchmarkClassifyUnchanged(b *testing.B) {
	spec := &v1beta1.FlinkDeploymentSpec{
		Image: "flink:2.2", FlinkVersion: "v2_2", ServiceAccount: "flink",
		FlinkConfiguration: v1beta1.NewConfigObject(map[string]any{
			"taskmanager.numberOfTaskSlots":         2,
			"state.backend.type":                    "rocksdb",
			"execution.checkpointing.interval":      "10s",
			"high-availability.type":                "kubernetes",
			"high-availability.storageDir":          "s3://bucket/ha",
			"execution.checkpointing.dir":           "s3://bucket/checkpoints",
			"execution.checkpointing.savepoint-dir": "s3://bucket/savepoints",
		}),
		JobManager:  &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{Memory: "2048m", CPU: ptr.To(1.0)}},
		TaskManager: &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{Memory: "2048m", CPU: ptr.To(1.0)}},
		Job:         &v1beta1.JobSpec{JarURI: "local:///opt/flink/usrlib/job.jar", Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint},
	}
	desired := spec.DeepCopy()
	b.ReportAllocs()
	for b.Loop() {
		if d := gate.Classify(spec, desired); d.Type != gate.DiffNone {
			b.Fatalf("an unchanged spec classified as %v", d.Type)
		}
	}
}

// The configuration is compared by meaning, not by its JSON text: the
// same keys written nested, flat or in another order are no change.
func TestClassifyConfigurationByMeaning(t *testing.T) {
	withConfig := func(raw string) *v1beta1.FlinkDeploymentSpec {
		return &v1beta1.FlinkDeploymentSpec{FlinkVersion: "v2_2", FlinkConfiguration: &v1beta1.ConfigObject{Raw: []byte(raw)},
			Job: &v1beta1.JobSpec{UpgradeMode: v1beta1.UpgradeModeSavepoint}}
	}
	deployed := withConfig(`{"state.backend.type":"rocksdb","taskmanager.numberOfTaskSlots":2}`)
	for _, tc := range []struct {
		raw        string
		want       gate.DiffType
		wantFields []string
	}{
		{`{"state.backend.type":"rocksdb","taskmanager.numberOfTaskSlots":2}`, gate.DiffNone, nil},
		{`{"taskmanager":{"numberOfTaskSlots":"2"},"state.backend.type":"rocksdb"}`, gate.DiffNone, nil},
		{`{"state.backend.type":"hashmap","taskmanager.numberOfTaskSlots":2}`, gate.DiffUpgrade, []string{"spec.flinkConfiguration.state.backend.type: UPGRADE"}},
		{`{"state.backend.type":"rocksdb","taskmanager.numberOfTaskSlots":2,"kubernetes.operator.periodic.savepoint.interval":"1h"}`, gate.DiffIgnore, []string{"spec.flinkConfiguration.kubernetes.operator.periodic.savepoint.interval: IGNORE"}},
	} {
		d := gate.Classify(deployed, withConfig(tc.raw))
		assert.Equal(t, tc.want, d.Type, tc.raw)
		assert.Equal(t, tc.wantFields, d.Fields, tc.raw)
	}
	assert.Equal(t, gate.DiffUpgrade, gate.Classify(deployed, &v1beta1.FlinkDeploymentSpec{FlinkVersion: "v2_2", Job: deployed.Job}).Type, "configuration removed")
}
