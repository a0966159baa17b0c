package reconciler

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The CRD keeps unknown fields inside the pod templates (they are whole
// Pods, too big to spell out in the schema), and the typed client drops
// them without a word: a typo such as volumeMount would deploy a pod
// without the mount. Without the webhook (the chart's default) nothing else
// stops it, so the operator decodes the object as the API server stores it
// as strictly as flink-render does (schemas/decode), and refuses a spec
// with an unknown field like any other invalid spec. Unknown fields
// elsewhere are pruned by the API server before anyone can see them.

// errStaleRead: the typed object is older than the one the API server
// holds; a later pass sees the new version through the caches.
var errStaleRead = errors.New("the cached FlinkDeployment is older than the stored one")

// strictResult is the outcome of the strict decoding of one generation.
type strictResult struct {
	generation int64
	problem    string
}

// strictProblem returns the unknown fields of fd's spec as the API server
// stores it, or "" when there are none. It reads the API server only once
// per generation.
func (r *Reconciler) strictProblem(ctx context.Context, fd *v1beta1.FlinkDeployment) (string, error) {
	if r.APIReader == nil {
		return "", nil
	}
	if v, ok := r.strictChecked.Load(fd.UID); ok && v.(strictResult).generation == fd.Generation {
		return v.(strictResult).problem, nil
	}
	raw, err := r.storedSpecSource(ctx, fd)
	if err != nil {
		return "", err
	}
	_, errs := decode.Object(raw)
	var problems []string
	for _, e := range errs {
		// Only the spec is the user's; status and metadata are written by
		// the API server and operators, maybe newer ones.
		if e.Path == "spec" || strings.HasPrefix(e.Path, "spec.") {
			problems = append(problems, e.Error())
		}
	}
	problem := strings.Join(problems, "; ")
	r.strictChecked.Store(fd.UID, strictResult{generation: fd.Generation, problem: problem})
	return problem, nil
}

// storedSpecSource returns fd as JSON that holds its spec as the API server
// stores it. Only a pod template can hold a field the typed object drops:
// the API server prunes unknown fields everywhere else, and
// spec.flinkConfiguration, the other schemaless part, the typed object keeps
// as it was stored (v1beta1.ConfigObject). So a spec without a pod template
// is the typed object's own, and needs no read (issue 23: a new
// FlinkDeployment's convergence made one GET for nothing); a spec with one
// is read from the API server. Either way it is decoded the same.
func (r *Reconciler) storedSpecSource(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]byte, error) {
	if !hasPodTemplate(&fd.Spec) {
		// As a file names it, so that the decoder takes it for a
		// FlinkDeployment whatever the copy's TypeMeta.
		typed := fd.DeepCopy()
		typed.APIVersion, typed.Kind = v1beta1.GroupVersion.String(), v1beta1.KindFlinkDeployment
		raw, err := json.Marshal(typed)
		if err != nil {
			return nil, objref.Of("FlinkDeployment", fd).Errorf("encode to check for unknown fields: %w", err)
		}
		return raw, nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1beta1.GroupVersion.WithKind(v1beta1.KindFlinkDeployment))
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(fd), u); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("read as stored to check for unknown fields: %w", err)
	}
	if u.GetUID() != fd.UID || u.GetGeneration() != fd.Generation {
		return nil, errStaleRead
	}
	raw, err := json.Marshal(u.Object)
	if err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("encode as stored: %w", err)
	}
	return raw, nil
}

// hasPodTemplate reports whether spec has any of the three pod templates,
// the only parts of a stored spec where the API server keeps unknown fields
// that the typed object then drops.
func hasPodTemplate(spec *v1beta1.FlinkDeploymentSpec) bool {
	return spec.PodTemplate != nil ||
		(spec.JobManager != nil && spec.JobManager.PodTemplate != nil) ||
		(spec.TaskManager != nil && spec.TaskManager.PodTemplate != nil)
}

// forgetStrict drops what strictProblem remembers of a FlinkDeployment.
func (r *Reconciler) forgetStrict(uid types.UID) {
	r.strictChecked.Delete(uid)
}
