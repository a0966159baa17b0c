package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A pre-signed jarURI carries a token in its query, and a URI may carry a
// password in its user info: when the URI is invalid, status and events
// say what is wrong without either.
func TestInvalidJarURIIsReportedWithoutItsSecrets(t *testing.T) {
	const unsupported = "http://user:pass@repo.example.com/job.jar?X-Amz-Signature=SECRET"
	const badChecksum = "https://user:pass@repo.example.com/job.jar?X-Amz-Signature=SECRET#sha256=bad"
	noSecrets := func(t *testing.T, fd *v1beta1.FlinkDeployment, events *eventLog) {
		t.Helper()
		assert.Contains(t, fd.Status.Error, "spec.job.jarURI")
		assert.Contains(t, fd.Status.Error, "xxxxx", "the URI is shown, redacted")
		for _, s := range []string{"SECRET", "pass"} {
			assert.NotContains(t, fd.Status.Error, s)
			for _, e := range events.matching("Warning", "") {
				assert.NotContains(t, e, s)
			}
		}
		assert.NotEmpty(t, events.matching("Warning ValidationError", "spec.job.jarURI"))
	}

	t.Run("first deploy", func(t *testing.T) {
		ns := newNamespace(t)
		doc := strings.Replace(statefulSpec("jar", "savepoint", ""), "local:///opt/flink/examples/streaming/StateMachineExample.jar", `"`+unsupported+`"`, 1)
		createFlinkDeployment(t, ns, doc)
		d := &driver{t: t, sim: newSim(t, ns, "jar", "v1_20"), r: newDirectReconciler(nil)}
		events := recordEvents(d)
		fd := d.until("refused", 5, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.Error != "" })
		noSecrets(t, fd, events)
		assert.Empty(t, clusterObjects(t, ns, "jar"), "nothing is deployed")
	})

	t.Run("update of a running job", func(t *testing.T) {
		d := deployRunning(t, "jar", "v1_20", statefulSpec("jar", "savepoint", ""))
		events := recordEvents(d)
		for _, uri := range []string{unsupported, badChecksum} {
			updateFD(t, d.sim.ns, "jar", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.JarURI = uri })
			fd := d.until("refused", 5, func(fd *v1beta1.FlinkDeployment) bool { return strings.Contains(fd.Status.Error, "jarURI") })
			noSecrets(t, fd, events)
		}
		assert.Equal(t, 0, d.sim.stopTriggers(), "the running job is untouched")
		require.Len(t, d.sim.starts, 1)
	})
}
