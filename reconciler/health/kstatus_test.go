package health

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// cli-utils' kstatus is what Flux (kustomize-controller's wait) and kpt
// compute for a custom resource: each lifecycle path, as the operator
// writes it, comes out Current, InProgress, Failed or Terminating.
func TestKstatusComputesEachLifecyclePath(t *testing.T) {
	for _, c := range lifecycleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(c.applied())
			require.NoError(t, err)
			res, err := status.Compute(&unstructured.Unstructured{Object: obj})
			require.NoError(t, err)
			assert.Equal(t, c.kstatus, res.Status.String(), res.Message)
		})
	}
}
