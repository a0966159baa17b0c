package gate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The field table lets an IGNORE change through that reaches the Flink
// configuration; the render-based safety net makes it an UPGRADE, and
// leaves one that reaches no process as it is. (The reconciler's
// diff_render_test.go checks every spec field this way.)
func TestClassifyRenderedEscalatesWhatReachesAProcess(t *testing.T) {
	// withFormat adds the state directories a savepoint upgrade needs.
	spec := withConfig(withFormat(appSpec(v1beta1.UpgradeModeSavepoint), "CANONICAL"),
		"jobmanager.memory.process.size", "2048m", "taskmanager.memory.process.size", "2048m")
	fd := &v1beta1.FlinkDeployment{Spec: *spec}
	fd.Name, fd.Namespace = "job", "default"
	deployed := &fd.Spec
	rc := renderer.RenderContext{JobID: oldJob, StartEmpty: true}

	allow := deployed.DeepCopy()
	allow.Job.AllowNonRestoredState = ptr.To(true)
	require.Equal(t, DiffIgnore, Classify(deployed, allow).Type)
	diff, err := ClassifyRendered(fd, deployed, allow, rc, renderer.Render)
	require.NoError(t, err)
	assert.Equal(t, DiffUpgrade, diff.Type)
	require.Len(t, diff.Fields, 1)
	assert.True(t, strings.HasPrefix(diff.Fields[0], "spec.job.allowNonRestoredState: UPGRADE (changes the Flink configuration"), diff.Fields[0])

	operatorKey := withConfig(deployed, "kubernetes.operator.savepoint.history.max.count", "7")
	diff, err = ClassifyRendered(fd, deployed, operatorKey, rc, renderer.Render)
	require.NoError(t, err)
	assert.Equal(t, DiffIgnore, diff.Type)
}
