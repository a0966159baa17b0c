package submission

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func spec(t *testing.T, mode v1beta1.UpgradeMode, config string) *v1beta1.FlinkSessionJobSpec {
	t.Helper()
	s := &v1beta1.FlinkSessionJobSpec{
		DeploymentName: "session",
		Job: &v1beta1.JobSpec{
			JarURI: "https://repo.example.com/job.jar", EntryClass: "org.example.Job", Args: []string{"--in", "a"},
			Parallelism: 3, UpgradeMode: mode, AllowNonRestoredState: ptr.To(true),
		},
	}
	if config != "" {
		s.FlinkConfiguration = &v1beta1.ConfigObject{Raw: []byte(config)}
	}
	return s
}

var flink120 = Session{FlinkVersion: v1beta1.FlinkVersion("v1_20"), JobConfiguration: true}

func TestRequestIsWhatTheOperatorRuns(t *testing.T) {
	req, err := Request(spec(t, v1beta1.UpgradeModeSavepoint, `{"pipeline.name":"a","kubernetes.operator.job.savepoint-on-deletion":"true","state":{"backend":{"type":"rocksdb"}}}`), "s3://b/sp-1", flink120)
	require.NoError(t, err)
	assert.Empty(t, req.JobID, "the controller chooses the id")
	assert.Equal(t, "org.example.Job", req.EntryClass)
	assert.Equal(t, []string{"--in", "a"}, req.Args)
	assert.EqualValues(t, 3, req.Parallelism)
	assert.Equal(t, "s3://b/sp-1", req.SavepointPath)
	assert.True(t, req.AllowNonRestoredState)
	assert.Equal(t, map[string]string{"pipeline.name": "a", "state.backend.type": "rocksdb",
		"execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"}, req.FlinkConfiguration,
		"flattened, without the operator's keys, checkpoints retained")
}

func TestStatefulJobsRetainCheckpoints(t *testing.T) {
	key := "execution.checkpointing.externalized-checkpoint-retention"
	req, err := Request(spec(t, v1beta1.UpgradeModeLastState, ""), "", flink120)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{key: "RETAIN_ON_CANCELLATION"}, req.FlinkConfiguration)

	req, err = Request(spec(t, v1beta1.UpgradeModeLastState, `{"`+key+`":"DELETE_ON_CANCELLATION"}`), "", flink120)
	require.NoError(t, err)
	assert.Equal(t, "DELETE_ON_CANCELLATION", req.FlinkConfiguration[key], "the job's own setting wins")

	req, err = Request(spec(t, v1beta1.UpgradeModeSavepoint, ""), "", flink120)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{key: "RETAIN_ON_CANCELLATION"}, req.FlinkConfiguration, "a savepoint job that fails is restored from its latest checkpoint")

	req, err = Request(spec(t, v1beta1.UpgradeModeLastState, ""), "", Session{FlinkVersion: "v1_16"})
	require.NoError(t, err)
	assert.Nil(t, req.FlinkConfiguration, "before 1.17 a run takes no configuration")

	req, err = Request(spec(t, "", ""), "", flink120)
	require.NoError(t, err)
	assert.Nil(t, req.FlinkConfiguration, "stateless by default: nothing to retain")
}

func TestResumeRestorePath(t *testing.T) {
	s := spec(t, v1beta1.UpgradeModeSavepoint, "")
	s.Job.InitialSavepointPath = "s3://b/initial"
	for _, tc := range []struct {
		name      string
		mode      v1beta1.UpgradeMode
		neverRan  bool
		savepoint string
		want      string
		ok        bool
	}{
		{"from the suspend's savepoint", v1beta1.UpgradeModeSavepoint, false, "s3://b/suspend", "s3://b/suspend", true},
		{"never ran: as a first submission", v1beta1.UpgradeModeSavepoint, true, "", "s3://b/initial", true},
		{"stateless: empty", v1beta1.UpgradeModeStateless, false, "s3://b/suspend", "", true},
		{"stateless by default", "", false, "s3://b/suspend", "", true},
		{"stateful without a savepoint: held", v1beta1.UpgradeModeLastState, false, "", "", false},
	} {
		s.Job.UpgradeMode = tc.mode
		got, ok := ResumeRestorePath(s, tc.neverRan, tc.savepoint)
		assert.Equal(t, tc.want, got, tc.name)
		assert.Equal(t, tc.ok, ok, tc.name)
	}
}

func TestSavepointOnDeletion(t *testing.T) {
	assert.False(t, SavepointOnDeletion(spec(t, "", "")))
	assert.True(t, SavepointOnDeletion(spec(t, "", `{"kubernetes.operator.job.savepoint-on-deletion":"true"}`)))
	assert.False(t, SavepointOnDeletion(spec(t, "", `{"kubernetes.operator.job.savepoint-on-deletion":"no"}`)))
}

func TestEveryPlanHasAName(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Plans {
		assert.NotContains(t, p.String(), "Plan(")
		seen[p.String()] = true
	}
	assert.Len(t, seen, len(Plans))
	assert.Equal(t, "Plan(99)", Plan(99).String())
}
