package flinkimage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseFlinkProperties(t *testing.T) {
	env := Env{"BUCKET": "b1", "EMPTY": ""}
	tests := []struct {
		name, in string
		want     []KV
	}{
		{"single", "a.b: 1", []KV{{"a.b", "1"}}},
		{"whitespace removed everywhere", "  state.backend.type :  rocks db \t", []KV{{"state.backend.type", "rocksdb"}}},
		{"empty lines skipped", "\n a: 1\n\n  \nb: 2\n", []KV{{"a", "1"}, {"b", "2"}}},
		{"later colons stay", "state.checkpoints.dir: s3://bucket/cp", []KV{{"state.checkpoints.dir", "s3://bucket/cp"}}},
		{"envsubst on value", "dir: s3://${BUCKET}/x/$BUCKET", []KV{{"dir", "s3://b1/x/b1"}}},
		{"unset variable is empty", "k: a$MISSING-b", []KV{{"k", "a-b"}}},
		{"no colon gives empty value", "novalue", []KV{{"novalue", ""}}},
		{"one trailing colon dropped like bash read", "k: v:", []KV{{"k", "v"}}},
		{"trailing colon kept after an inner colon", "k: a:b:", []KV{{"k", "a:b:"}}},
		{"key is not substituted", "$BUCKET: v", []KV{{"$BUCKET", "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseFlinkProperties(tt.in, env))
		})
	}
}

func TestEnvsubst(t *testing.T) {
	env := Env{"A": "x", "A_1": "y"}
	for in, want := range map[string]string{
		"$A":       "x",
		"${A}":     "x",
		"$A_1z":    "",
		"${A_1}z":  "yz",
		"$":        "$",
		"a$1":      "a$1",
		"${":       "${",
		"${1}":     "${1}",
		"cost $$A": "cost $x",
	} {
		assert.Equal(t, want, Envsubst(in, env), "envsubst %q", in)
	}
}

func TestConfigWriteArgs(t *testing.T) {
	t.Run("defaults to hostname -f and fixed ports", func(t *testing.T) {
		assert.Equal(t, []string{
			"-Djobmanager.rpc.address=pod-0.example",
			"-Dblob.server.port=6124",
			"-Dquery.server.port=6125",
		}, ConfigWriteArgs(Env{}, "pod-0.example"))
	})
	t.Run("explicit address, slots and FLINK_PROPERTIES last", func(t *testing.T) {
		env := Env{
			"JOB_MANAGER_RPC_ADDRESS":           "jm",
			"TASK_MANAGER_NUMBER_OF_TASK_SLOTS": "4",
			"FLINK_PROPERTIES":                  "blob.server.port: 7000\nparallelism.default: 2",
		}
		assert.Equal(t, []string{
			"-Djobmanager.rpc.address=jm",
			"-Dblob.server.port=6124",
			"-Dquery.server.port=6125",
			"-Dtaskmanager.numberOfTaskSlots=4",
			"-Dblob.server.port=7000",
			"-Dparallelism.default=2",
		}, ConfigWriteArgs(env, "ignored"))
	})
}

func TestDispatchEntrypoint(t *testing.T) {
	tests := []struct {
		args []string
		want EntrypointDispatch
	}{
		{[]string{"jobmanager"}, EntrypointDispatch{Script: "jobmanager.sh", Args: []string{}, Banner: "Starting Job Manager"}},
		{[]string{"standalone-job", "--job-classname", "C"}, EntrypointDispatch{Script: "standalone-job.sh", Args: []string{"--job-classname", "C"}, Banner: "Starting Job Manager"}},
		{[]string{"taskmanager", "-D", "a=b"}, EntrypointDispatch{Script: "taskmanager.sh", Args: []string{"-D", "a=b"}, Banner: "Starting Task Manager"}},
		{[]string{"help"}, EntrypointDispatch{Help: true}},
		{[]string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}, EntrypointDispatch{Args: []string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DispatchEntrypoint(tt.args), "dispatch %q", tt.args)
	}
}

func TestConfigFileToWrite(t *testing.T) {
	v120, v22 := Version{1, 20}, Version{2, 2}
	assert.Equal(t, "/c/flink-conf.yaml", ConfigFileToWrite("/c", v120, true))
	assert.Equal(t, "/c/config.yaml", ConfigFileToWrite("/c", v120, false))
	assert.Equal(t, "/c/config.yaml", ConfigFileToWrite("/c", v22, true))
}
