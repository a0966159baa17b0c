package renderer

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The memory and cpu keys are read with the rest of flinkConfiguration,
// but the spec's resources win over them, so a bad value is an error only
// when the spec leaves the key to decide.
func TestResourceKeysCountOnlyWhenUsed(t *testing.T) {
	spec := func(resources string) string {
		return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: rk, namespace: team-a}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    jobmanager.memory.process.size: lots
    kubernetes.jobmanager.cpu.amount: none
  jobManager: {%s}
  taskManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  job: {jarURI: "local:///opt/flink/usrlib/job.jar", parallelism: 1}
`, resources)
	}
	_, err := Render(decodeOne(t, spec(`resources: {requests: {memory: "1024m", cpu: "1"}}`)), RenderContext{})
	require.NoError(t, err, "the spec's resources decide; the keys are not used")

	_, err = Render(decodeOne(t, spec(``)), RenderContext{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	var got []string
	for _, e := range invalid.Errors {
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		`spec.flinkConfiguration[jobmanager.memory.process.size]: Invalid value: "lots": ` + invalid.Errors[0].Detail,
		`spec.flinkConfiguration[kubernetes.jobmanager.cpu.amount]: Invalid value: "none": must be a positive number of cores`,
	}, got)
}
