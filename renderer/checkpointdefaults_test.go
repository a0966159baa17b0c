package renderer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// The keys Flink reads the checkpoint defaults from. Flink has used these
// names since 1.10 (ExecutionCheckpointingOptions) and kept them when the
// options moved to CheckpointingOptions in 1.20, with no deprecated
// spellings, so every supported version gets the same ones.
const (
	keyRetention = "execution.checkpointing.externalized-checkpoint-retention"
	keyInterval  = "execution.checkpointing.interval"
	keyJRSPath   = "job-result-store.storage-path"
	keyJRSDelete = "job-result-store.delete-on-commit"
)

// checkpointSpec is an application (or, with job "", a session cluster)
// whose flinkConfiguration holds state directories plus config, a block of
// lines indented by four spaces.
func checkpointSpec(ns, mode, version, job, config string) string {
	jobBlock := ""
	if job != "" {
		jobBlock = `  job: {jarURI: "local:///opt/flink/usrlib/job.jar", parallelism: 2, upgradeMode: ` + job + "}\n"
	}
	return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: my-job, namespace: %s}
spec:
  image: flink:custom
  flinkVersion: %s
  mode: %s
  serviceAccount: flink
  flinkConfiguration:
    state.checkpoints.dir: s3://bucket/checkpoints
    state.savepoints.dir: s3://bucket/savepoints
%s
  jobManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  taskManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
%s`, ns, version, mode, config, jobBlock)
}

const haLines = "    high-availability.type: kubernetes\n    high-availability.storageDir: s3://bucket/ha"

// renderedConfig renders doc and returns the Flink configuration it ships.
func renderedConfig(t *testing.T, doc string) map[string]string {
	t.Helper()
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range res.FlinkConfiguration {
		out[e.Key] = e.String()
	}
	return out
}

// Story 8 of issue 15: by default Flink deletes a job's checkpoints when it
// fails for good, so nothing would be left to restart it from. Every
// application cluster of every version keeps them, as in the reference
// operator (FlinkConfigBuilder#applyFlinkConfiguration).
func TestApplicationsRetainCheckpointsOnEveryVersion(t *testing.T) {
	for _, mode := range []v1beta1.DeploymentMode{v1beta1.ModeNative, v1beta1.ModeStandalone} {
		for _, v := range versions.ForMode(mode) {
			for _, job := range []string{"stateless", "savepoint", "last-state"} {
				if v == "v1_11" && job == "last-state" {
					continue // last-state needs Kubernetes HA
				}
				t.Run(fmt.Sprintf("%s/%s/%s", mode, v, job), func(t *testing.T) {
					ha := haLines
					if v == "v1_11" {
						ha = "" // Kubernetes HA starts with 1.12
					}
					conf := renderedConfig(t, checkpointSpec("team-a", string(mode), string(v), job, ha))
					assert.Equal(t, "RETAIN_ON_CANCELLATION", conf[keyRetention])
				})
			}
		}
	}
}

func TestUserCheckpointRetentionWins(t *testing.T) {
	for name, tc := range map[string]struct{ version, config string }{
		"flat":          {"v1_18", "    " + keyRetention + ": DELETE_ON_CANCELLATION"},
		"flat 2.x":      {"v2_2", "    " + keyRetention + ": DELETE_ON_CANCELLATION"},
		"nested 2.x":    {"v2_2", "    execution: {checkpointing: {externalized-checkpoint-retention: DELETE_ON_CANCELLATION}}"},
		"half nested":   {"v1_20", "    execution.checkpointing: {externalized-checkpoint-retention: DELETE_ON_CANCELLATION}"},
		"no externally": {"v1_15", "    " + keyRetention + ": NO_EXTERNALIZED_CHECKPOINTS"},
	} {
		t.Run(name, func(t *testing.T) {
			conf := renderedConfig(t, checkpointSpec("team-a", "native", tc.version, "last-state", haLines+"\n"+tc.config))
			want := "DELETE_ON_CANCELLATION"
			if strings.Contains(tc.config, "NO_EXTERNALIZED") {
				want = "NO_EXTERNALIZED_CHECKPOINTS"
			}
			assert.Equal(t, want, conf[keyRetention])
		})
	}
}

// Without checkpoints a last-state upgrade has nothing to restore, so
// last-state jobs checkpoint every 5 minutes unless told otherwise; the
// reference operator gives the default to last-state jobs only.
func TestLastStateJobsGetADefaultCheckpointInterval(t *testing.T) {
	for _, mode := range []string{"native", "standalone"} {
		for _, v := range []string{"v1_15", "v1_20", "v2_2"} {
			t.Run(mode+"/"+v, func(t *testing.T) {
				conf := renderedConfig(t, checkpointSpec("team-a", mode, v, "last-state", haLines))
				assert.Equal(t, "5 min", conf[keyInterval])

				for _, job := range []string{"stateless", "savepoint"} {
					conf := renderedConfig(t, checkpointSpec("team-a", mode, v, job, haLines))
					assert.NotContains(t, conf, keyInterval, "upgradeMode %s gets no interval of the operator's", job)
				}
			})
		}
	}
}

func TestUserCheckpointIntervalWins(t *testing.T) {
	for name, config := range map[string]string{
		"flat":   "    " + keyInterval + ": 30 s",
		"nested": "    execution: {checkpointing: {interval: 30 s}}",
	} {
		t.Run(name, func(t *testing.T) {
			conf := renderedConfig(t, checkpointSpec("team-a", "native", "v2_1", "last-state", haLines+"\n"+config))
			assert.Equal(t, "30 s", conf[keyInterval])
		})
	}
}

// A session cluster runs no job of its own: as in the reference operator,
// it gets none of the job defaults.
func TestSessionClustersGetNoJobDefaults(t *testing.T) {
	for _, mode := range []string{"native", "standalone"} {
		conf := renderedConfig(t, checkpointSpec("team-a", mode, "v1_20", "", haLines))
		for _, k := range []string{keyRetention, keyInterval, keyJRSPath, keyJRSDelete} {
			assert.NotContains(t, conf, k, "%s session cluster", mode)
		}
	}
}

// FLINK-27569: without a job result store entry, a finished job is run
// again when its JobManager restarts. The reference operator keeps the
// entries (delete-on-commit false) in a store of each deployment's own.
func TestJobResultStoreIsPerDeployment(t *testing.T) {
	for _, mode := range []string{"native", "standalone"} {
		for _, v := range []string{"v1_15", "v1_20", "v2_2"} {
			t.Run(mode+"/"+v, func(t *testing.T) {
				a := renderedConfig(t, checkpointSpec("team-a", mode, v, "last-state", haLines))
				assert.Equal(t, "s3://bucket/ha/job-result-store/team-a/my-job", a[keyJRSPath])
				assert.Equal(t, "false", a[keyJRSDelete])

				// The same name in another namespace, with the same HA
				// directory (Flink's default store is per name only).
				b := renderedConfig(t, checkpointSpec("team-b", mode, v, "stateless", haLines))
				assert.Equal(t, "s3://bucket/ha/job-result-store/team-b/my-job", b[keyJRSPath])
			})
		}
	}
}

func TestJobResultStoreOnlyWhereFlinkHasOne(t *testing.T) {
	// The job result store arrived in Flink 1.15 (FLIP-194).
	for _, v := range []string{"v1_13", "v1_14"} {
		conf := renderedConfig(t, checkpointSpec("team-a", "standalone", v, "last-state", haLines))
		assert.NotContains(t, conf, keyJRSPath, v)
		assert.NotContains(t, conf, keyJRSDelete, v)
	}
	// Without HA Flink keeps job results in memory.
	conf := renderedConfig(t, checkpointSpec("team-a", "native", "v1_20", "stateless", ""))
	assert.NotContains(t, conf, keyJRSPath)
	assert.NotContains(t, conf, keyJRSDelete)
}

func TestJobResultStoreUserValuesWin(t *testing.T) {
	conf := renderedConfig(t, checkpointSpec("team-a", "native", "v1_20", "last-state", haLines+
		"\n    job-result-store: {storage-path: s3://other/jrs, delete-on-commit: true}"))
	assert.Equal(t, "s3://other/jrs", conf[keyJRSPath])
	assert.Equal(t, "true", conf[keyJRSDelete])

	// A trailing slash on the HA directory does not double up.
	conf = renderedConfig(t, checkpointSpec("team-a", "native", "v1_20", "last-state",
		"    high-availability.type: kubernetes\n    high-availability.storageDir: s3://bucket/ha/"))
	assert.Equal(t, "s3://bucket/ha/job-result-store/team-a/my-job", conf[keyJRSPath])
}
