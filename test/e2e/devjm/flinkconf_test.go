package devjm

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func version(t *testing.T, v string) flinkrest.Version {
	t.Helper()
	parsed, err := flinkrest.ParseVersion(v)
	require.NoError(t, err)
	return parsed
}

func TestParseLegacyConf(t *testing.T) {
	conf, err := ParseFlinkConf(map[string]string{"flink-conf.yaml": "" +
		"# a comment\n" +
		"execution.savepoint.path: file:///sp/savepoint-1\n" +
		"env.java.opts.all: -Da=b: c   # trailing comment\n" +
		"parallelism.default: 3\n" +
		"not a key value line\n" +
		"high-availability: org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory\n",
		"log4j-console.properties": "ignored"})
	require.NoError(t, err)
	assert.Equal(t, "file:///sp/savepoint-1", conf.RestorePath(version(t, "v1_18")))
	assert.Equal(t, "-Da=b: c", conf["env.java.opts.all"], "split at the first \": \"")
	assert.Equal(t, 3, conf.Parallelism())
	assert.True(t, conf.HighAvailability(), "factory class name, pre-1.17 key")
	assert.NotContains(t, conf, "not a key value line")
}

func TestParseYAMLConfFlattens(t *testing.T) {
	conf, err := ParseFlinkConf(map[string]string{"config.yaml": `
execution:
  checkpointing:
    dir: file:///cp
    interval: 5 s
    savepoint-dir: file:///sp
  state-recovery:
    path: file:///sp/savepoint-2
high-availability:
  type: KUBERNETES
$internal:
  pipeline:
    job-id: 0123456789abcdef0123456789abcdef
kubernetes:
  cluster-id: my-cluster
pipeline:
  jars: [a.jar, b.jar]
parallelism:
  default: 4
`})
	require.NoError(t, err)
	v2 := version(t, "v2_0")
	assert.Equal(t, "file:///sp/savepoint-2", conf.RestorePath(v2))
	assert.Equal(t, "file:///cp", conf.CheckpointDir(v2))
	assert.Equal(t, "file:///sp", conf.SavepointDir(v2))
	assert.Equal(t, "0123456789abcdef0123456789abcdef", conf.JobID())
	assert.Equal(t, "my-cluster", conf.ClusterID())
	assert.Equal(t, "a.jar;b.jar", conf["pipeline.jars"])
	assert.Equal(t, 4, conf.Parallelism())
	assert.True(t, conf.HighAvailability())
	interval, err := conf.CheckpointInterval()
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, interval)
}

func TestParseFlinkConfWithoutConfigFile(t *testing.T) {
	_, err := ParseFlinkConf(map[string]string{"log4j-console.properties": ""})
	assert.ErrorContains(t, err, "neither config.yaml nor flink-conf.yaml")
	_, err = ParseFlinkConf(map[string]string{"config.yaml": "a: [unclosed"})
	assert.ErrorContains(t, err, "parse config.yaml")
}

func TestKeysRenamedIn120(t *testing.T) {
	old := FlinkConf{"execution.savepoint.path": "old", "state.checkpoints.dir": "cp-old", "state.savepoints.dir": "sp-old"}
	renamed := FlinkConf{"execution.state-recovery.path": "new", "execution.checkpointing.dir": "cp-new", "execution.checkpointing.savepoint-dir": "sp-new"}
	v119, v120 := version(t, "v1_19"), version(t, "v1_20")

	assert.Equal(t, "old", old.RestorePath(v119))
	assert.Equal(t, "old", old.RestorePath(v120), "1.20 still reads the deprecated key")
	assert.Empty(t, renamed.RestorePath(v119), "1.19 does not know the new key")
	assert.Equal(t, "new", renamed.RestorePath(v120))
	assert.Equal(t, "cp-old", old.CheckpointDir(v119))
	assert.Equal(t, "cp-new", renamed.CheckpointDir(v120))
	assert.Equal(t, "sp-old", old.SavepointDir(v120))
	assert.Equal(t, "sp-new", renamed.SavepointDir(v120))
}

func TestHighAvailability(t *testing.T) {
	for conf, want := range map[*FlinkConf]bool{
		{"high-availability.type": "kubernetes"}: true,
		{"high-availability": "KUBERNETES"}:      true,
		{"high-availability.type": "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory"}: true,
		{"high-availability.type": "zookeeper"}: false,
		{"high-availability.type": "NONE"}:      false,
		{}:                                      false,
	} {
		assert.Equal(t, want, conf.HighAvailability(), "%v", *conf)
	}
}

func TestParseFlinkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"10s": 10 * time.Second, "10 s": 10 * time.Second, "1min": time.Minute, "2 h": 2 * time.Hour,
		"500": 500 * time.Millisecond, "250 ms": 250 * time.Millisecond, "3 minutes": 3 * time.Minute, "1 D": 24 * time.Hour,
	} {
		got, err := parseFlinkDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := parseFlinkDuration("5 fortnights")
	assert.ErrorContains(t, err, `unknown unit "fortnights"; allowed: `)
	_, err = parseFlinkDuration("soon")
	assert.ErrorContains(t, err, "not a duration")
	conf := FlinkConf{"execution.checkpointing.interval": "ten seconds"}
	_, err = conf.CheckpointInterval()
	assert.ErrorContains(t, err, "execution.checkpointing.interval")
	off, err := FlinkConf{}.CheckpointInterval()
	require.NoError(t, err)
	assert.Zero(t, off, "no interval: periodic checkpoints off")
}
