package reconciler_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flinkops/flink-operator/reconciler"
)

// A spec asking for a reference operator feature this operator does not
// carry out is deployed all the same, and the user is told so in a Warning
// event naming the setting.
func TestUnsupportedSettingsAreReported(t *testing.T) {
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, strings.Replace(basicSpec, "    taskmanager.numberOfTaskSlots: 2\n",
		"    taskmanager.numberOfTaskSlots: 2\n    job.autoscaler.enabled: \"true\"\n    kubernetes.operator.job.restart.failed: \"true\"\n", 1))
	waitForChildren(t, ns, "basic")
	eventually(t, 10*time.Second, "Unsupported event", func() error {
		notes := eventsFor(t, ns, "basic")[reconciler.ReasonUnsupported]
		if len(notes) == 0 {
			return fmt.Errorf("no %s event", reconciler.ReasonUnsupported)
		}
		for _, want := range []string{"spec.flinkConfiguration[job.autoscaler.enabled]", "spec.flinkConfiguration[kubernetes.operator.job.restart.failed]"} {
			if !strings.Contains(notes[0], want) {
				return fmt.Errorf("event %q does not name %s", notes[0], want)
			}
		}
		return nil
	})
}
