package planner

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// RenderDeployed renders every FlinkDeployment of src as its running
// cluster was rendered: with the job id and restore path its
// status.deployedWith records (gate.DeployedContext), or with deployedWith
// when that is given (flink-render --job-id, --restore-path). A live
// object rendered without them gets a new job id and start and never
// matches its cluster. Errors are reported like renderer.RenderFile's.
func RenderDeployed(src Source, namespace string, deployedWith *v1beta1.DeployedWith, opts Options, warn func(*decode.Error)) ([]*unstructured.Unstructured, []*decode.Error) {
	docs, errs := decode.File(src.Name, src.Data)
	var objs []*unstructured.Unstructured
	for _, doc := range docs {
		fd := doc.Object
		if fd == nil {
			continue
		}
		if fd.Namespace == "" {
			fd.Namespace = namespace
		}
		st := fd.Status.DeepCopy()
		if deployedWith != nil {
			st.DeployedWith = deployedWith
		}
		res, err := renderer.Render(fd, opts.with(gate.DeployedContext(st)))
		if err != nil {
			errs = append(errs, locate(err, doc, nil)...)
			continue
		}
		objs = append(objs, res.Objects...)
		if warn != nil {
			for _, u := range res.Unsupported {
				warn(doc.ErrorAt(u.Field.String(), u.Detail))
			}
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return objs, errs
}

// HasDeployedWith reports whether any FlinkDeployment of src records in
// its status how its cluster was rendered.
func HasDeployedWith(src Source) bool {
	docs, _ := decode.File(src.Name, src.Data)
	for _, doc := range docs {
		if doc.Object != nil && doc.Object.Status.DeployedWith != nil {
			return true
		}
	}
	return false
}
