package planner

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/decode"
)

// A session cluster's restart says what happens to its session jobs: with
// flink-operator --session-jobs they are stopped with a savepoint first
// and resumed from it (reconciler/sessionjob, park.go).
func TestSessionRestartSaysWhatHappensToItsSessionJobs(t *testing.T) {
	session := func(image string) []byte {
		return []byte(`apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: session, namespace: default}
spec:
  image: ` + image + `
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
`)
	}
	base, errs := decode.Object(session("flink:1.20"))
	require.Empty(t, errs)
	head, errs := decode.Object(session("flink:1.20.1"))
	require.Empty(t, errs)
	r, err := PlanResource(base, head, Options{})
	require.NoError(t, err)
	assert.Equal(t, StateSession, r.State)
	assert.Contains(t, r.Summary, "FlinkSessionJobs' jobs are stopped with a savepoint first")
}
