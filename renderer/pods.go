package renderer

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// mergeDeploymentPod merges the user's pod templates into a generated
// Deployment's pod template; the component label says whose templates apply.
func mergeDeploymentPod(fd *v1beta1.FlinkDeployment, u *unstructured.Unstructured) error {
	var role *v1beta1.PodTemplate
	switch u.GetLabels()["component"] {
	case "jobmanager":
		role = fd.Spec.JobManager.PodTemplate
	case "taskmanager":
		role = fd.Spec.TaskManager.PodTemplate
	}
	user, err := userPod(fd.Spec.PodTemplate, role)
	if err != nil || user == nil {
		return err
	}
	metadata, _, _ := unstructured.NestedMap(u.Object, "spec", "template", "metadata")
	spec, _, _ := unstructured.NestedMap(u.Object, "spec", "template", "spec")
	metadata, spec, err = mergeIntoPod(user, metadata, spec)
	if err != nil {
		return err
	}
	if err := inheritIntoFetcher(user, spec); err != nil {
		return err
	}
	return unstructured.SetNestedMap(u.Object, map[string]any{"metadata": metadata, "spec": spec}, "spec", "template")
}

// taskManagerPodFile is the YAML of the native-mode TaskManager pod template.
func taskManagerPodFile(fd *v1beta1.FlinkDeployment, generated map[string]any) (string, error) {
	pod := generated
	user, err := userPod(fd.Spec.PodTemplate, fd.Spec.TaskManager.PodTemplate)
	if err != nil {
		return "", err
	}
	if user != nil {
		metadata, _ := generated["metadata"].(map[string]any)
		spec, _ := generated["spec"].(map[string]any)
		metadata, spec, err = mergeIntoPod(user, metadata, spec)
		if err != nil {
			return "", err
		}
		pod = map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(pod); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return buf.String(), nil
}

// Names the templates also use (templates/common: mainContainer and
// paths.userLib); tests keep them in step.
const (
	mainContainerName = "flink-main-container"
	userLibPath       = "/opt/flink/usrlib"
)

// mountsUserLib reports whether the user's JobManager pod templates mount a
// volume at or under userLibPath in the main container. Standalone mode
// then leaves that folder to them instead of mounting an emptyDir over it,
// as the reference operator's UserLibMountDecorator does.
func mountsUserLib(fd *v1beta1.FlinkDeployment) bool {
	for _, t := range []*v1beta1.PodTemplate{fd.Spec.PodTemplate, fd.Spec.JobManager.PodTemplate} {
		if t == nil {
			continue
		}
		for _, c := range t.Spec.Containers {
			if c.Name != mainContainerName {
				continue
			}
			for _, m := range c.VolumeMounts {
				p := path.Clean(m.MountPath)
				if p == userLibPath || strings.HasPrefix(p, userLibPath+"/") {
					return true
				}
			}
		}
	}
	return false
}
