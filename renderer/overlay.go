package renderer

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// overlay is the one step after the templates. It adds what must not
// become CUE, because its keys are the user's (CUE interns every field name
// for the life of the process; see schemas/input.cue):
//
//   - the Flink configuration file, the template's keys merged with the
//     user's flinkConfiguration;
//   - the user's pod templates, merged under the generated pods with
//     Kubernetes strategic-merge semantics (podtemplate.go), for the
//     Deployments and the native TaskManager pod template file;
//   - the labels, annotations and node selectors of Flink's decorator keys
//     and of spec.ingress.
//
// Flink decorates a pod after merging its pod template, and some
// decorations append to the template's lists, so the templates give those
// lists beside the pod (common.#PodDecorations) and this step adds them
// after the merge (decorator_apply.go).
func overlay(fd *v1beta1.FlinkDeployment, user []v1beta1.ConfigEntry, decorations *flinkconf.Decorations, out *templateOutput) (*Result, error) {
	merged := mergeFlinkConfig(out.FlinkConfig, user)
	file, errs := writeFlinkConfig(out.FlinkConfig.Format, merged)
	if len(errs) > 0 {
		return nil, &InvalidError{Errors: errs}
	}
	res := &Result{FlinkConfiguration: merged, ConfigFile: out.FlinkConfig.File}
	standalone := *fd.Spec.Mode == v1beta1.ModeStandalone
	for _, obj := range out.Objects {
		u := &unstructured.Unstructured{Object: obj}
		switch {
		case u.GetKind() == "ConfigMap" && u.GetName() == out.FlinkConfig.ConfigMap:
			setData(u, out.FlinkConfig.File, file)
		case u.GetKind() == "ConfigMap" && out.PodTemplates.TaskManager != nil && u.GetName() == out.PodTemplates.TaskManager.ConfigMap:
			pod, err := taskManagerPodFile(fd, out.PodTemplates.TaskManager.Pod)
			if err != nil {
				return nil, objref.Of("FlinkDeployment", fd).Errorf("render the TaskManager pod template: %w", err)
			}
			setData(u, out.PodTemplates.TaskManager.File, pod)
		case decorations != nil && u.GetKind() == "Service" && u.GetName() == fd.Name+"-rest":
			decorateRestService(decorations, u)
		case u.GetKind() == "Deployment":
			if err := mergeDeploymentPod(fd, u); err != nil {
				return nil, objref.Of("Deployment", u).Errorf("merge the pod template: %w", err)
			}
			// Both Deployments may have the same problem: report it once.
			errs = append(errs, notYetReported(decorateDeployment(decorations, standalone, u, out.Decorations), errs)...)
		case u.GetKind() == "Ingress":
			finishIngress(fd, u)
		}
		res.Objects = append(res.Objects, u)
	}
	if len(errs) > 0 {
		return nil, &InvalidError{Errors: errs}
	}
	sortObjects(res.Objects)
	return res, nil
}

func setData(u *unstructured.Unstructured, key, value string) {
	data, _ := u.Object["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
		u.Object["data"] = data
	}
	data[key] = value
}
