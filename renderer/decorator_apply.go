package renderer

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// Adding the decorations to the rendered objects, after the user's pod
// templates are merged (overlay.go). The templates build every list item
// (common.#PodDecorations); Go adds what is keyed by the user (labels,
// annotations, node selectors) and puts the templates' lists where Flink's
// decorators put them.

// mountsUnder reports whether a secret is mounted at or below dir.
func mountsUnder(d *flinkconf.Decorations, dir string) bool {
	if d == nil {
		return false
	}
	for _, v := range d.SecretVolumes {
		p := path.Clean(v.MountPath)
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// decorateRestService adds kubernetes.rest-service.annotations; the
// template has set the type.
func decorateRestService(d *flinkconf.Decorations, u *unstructured.Unstructured) {
	if d == nil || len(d.RestServiceAnnotations) == 0 {
		return
	}
	u.SetAnnotations(overlaid(u.GetAnnotations(), d.RestServiceAnnotations))
}

// decorateDeployment decorates a JobManager or TaskManager Deployment after
// the user's pod templates are merged into it. The component label says
// which process it runs; sections are the templates' decorations by
// process (output.decorations). In standalone mode the reference operator
// puts kubernetes.jobmanager.labels over the JobManager's selector labels
// (StandaloneKubernetesJobManagerParameters#getLabels), so one that
// changes them gives pods the Deployment does not select: an error.
func decorateDeployment(d *flinkconf.Decorations, standalone bool, u *unstructured.Unstructured, sections map[string]any) field.ErrorList {
	if d == nil {
		return nil
	}
	var proc *flinkconf.ProcessDecorations
	var section map[string]any
	switch u.GetLabels()["component"] {
	case "jobmanager":
		proc = &d.JobManager
		section, _ = sections["jobManager"].(map[string]any)
	case "taskmanager":
		proc = &d.TaskManager
		section, _ = sections["taskManager"].(map[string]any)
	default:
		return nil
	}
	spec := childMap(u.Object, "spec")
	selector, _ := childMap(spec, "selector")["matchLabels"].(map[string]any)
	if standalone && proc == &d.JobManager {
		if errs := selectorConflicts(proc, selector); len(errs) > 0 {
			return errs
		}
	}
	if len(proc.Labels) > 0 {
		u.SetLabels(overlaid(proc.Labels, u.GetLabels()))
	}
	if len(proc.Annotations) > 0 {
		u.SetAnnotations(overlaid(u.GetAnnotations(), proc.Annotations))
	}

	template := childMap(spec, "template")
	metadata := childMap(template, "metadata")
	pod := childMap(template, "spec")
	if len(proc.Labels) > 0 {
		labels := copyMap(metadata["labels"])
		for k, v := range proc.Labels {
			if _, ours := selector[k]; !ours {
				labels[k] = v
			}
		}
		metadata["labels"] = labels
	}
	overlayInto(metadata, "annotations", proc.Annotations)
	overlayInto(pod, "nodeSelector", proc.NodeSelector)
	if section == nil {
		return nil
	}
	if add, _ := section["tolerations"].([]any); len(add) > 0 {
		existing, _ := pod["tolerations"].([]any)
		pod["tolerations"] = append(append([]any{}, existing...), add...)
	}
	if add, _ := section["imagePullSecrets"].([]any); len(add) > 0 {
		existing, _ := pod["imagePullSecrets"].([]any)
		secrets := append([]any{}, existing...)
		for _, s := range add {
			if name, _ := s.(map[string]any)["name"].(string); namedItem(secrets, name) == nil {
				secrets = append(secrets, s)
			}
		}
		pod["imagePullSecrets"] = secrets
	}

	containers, _ := pod["containers"].([]any)
	main := namedItem(containers, mainContainerName)
	if main == nil {
		return nil
	}
	mainSection, _ := section["main"].(map[string]any)
	setEnv(main, mainSection["env"])
	volumes, _ := section["volumes"].([]any)
	mounts, _ := mainSection["volumeMounts"].([]any)
	if errs := mountSecrets(d, pod, main, volumes, mounts); len(errs) > 0 {
		return errs
	}
	if fetch := namedItem(pod["initContainers"], fetchContainerName); fetch != nil {
		fetchSection, _ := section["fetch"].(map[string]any)
		setEnv(fetch, fetchSection["env"])
		readOnly, _ := fetchSection["volumeMounts"].([]any)
		mountWhereFree(fetch, readOnly)
	}
	return nil
}

// setEnv sets the variables of a template's env list (common.#PodDecorations)
// one after another: one the container already has is replaced where it is
// (Flink appends, and the last definition wins); a new one goes before the
// variable named by its before field when the container has it, else last.
func setEnv(container map[string]any, ops any) {
	list, _ := ops.([]any)
	if len(list) == 0 {
		return
	}
	existing, _ := container["env"].([]any)
	env := append(make([]any, 0, len(existing)+len(list)), existing...)
	for _, op := range list {
		op, _ := op.(map[string]any)
		item, _ := op["set"].(map[string]any)
		name, _ := item["name"].(string)
		if i := indexOfName(env, name); i >= 0 {
			env[i] = item
			continue
		}
		at := len(env)
		if before, ok := op["before"].(string); ok {
			if i := indexOfName(env, before); i >= 0 {
				at = i
			}
		}
		env = append(env[:at], append([]any{item}, env[at:]...)...)
	}
	container["env"] = env
}

// mountWhereFree adds the mounts at paths the container does not mount yet.
func mountWhereFree(container map[string]any, add []any) {
	if len(add) == 0 {
		return
	}
	mounts, _ := container["volumeMounts"].([]any)
	mounts = append([]any{}, mounts...)
	for _, m := range add {
		if mp, _ := m.(map[string]any)["mountPath"].(string); indexOfMountPath(mounts, mp) < 0 {
			mounts = append(mounts, m)
		}
	}
	container["volumeMounts"] = mounts
}

func indexOfMountPath(mounts []any, mountPath string) int {
	for i, m := range mounts {
		if mp, ok := m.(map[string]any)["mountPath"].(string); ok && path.Clean(mp) == path.Clean(mountPath) {
			return i
		}
	}
	return -1
}

// selectorConflicts reports the labels of a standalone JobManager that would
// change its selector labels.
func selectorConflicts(proc *flinkconf.ProcessDecorations, selector map[string]any) field.ErrorList {
	var errs field.ErrorList
	names := make([]string, 0, len(proc.Labels))
	for k := range proc.Labels {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		want, ok := selector[k]
		if !ok || want == proc.Labels[k] {
			continue
		}
		from := proc.LabelOrigins[k]
		errs = append(errs, field.Invalid(configPath(from.Key), from.Value, fmt.Sprintf(
			"label %q selects the JobManager's pods and must stay %q: standalone Flink puts these labels over its own, and pods that do not match their Deployment's selector are rejected", k, want)))
	}
	return errs
}

// mountSecrets appends the templates' secret volumes to the pod and their
// mounts to the main container. The templates build both from the parsed
// secrets in order (common.#PodDecorations), so the i-th volume and mount
// are d.SecretVolumes[i]'s. Flink only appends, so a name or path the pod
// already uses would give a pod Kubernetes rejects: an error here.
func mountSecrets(d *flinkconf.Decorations, pod, main map[string]any, addVolumes, addMounts []any) field.ErrorList {
	if len(d.SecretVolumes) == 0 {
		return nil
	}
	if len(addVolumes) != len(d.SecretVolumes) || len(addMounts) != len(d.SecretVolumes) {
		return field.ErrorList{field.InternalError(configPath(flinkconf.KeySecrets), fmt.Errorf(
			"the template gave %d volumes and %d mounts for %d secrets", len(addVolumes), len(addMounts), len(d.SecretVolumes)))}
	}
	volumes, _ := pod["volumes"].([]any)
	mounts, _ := main["volumeMounts"].([]any)
	paths := map[string]bool{}
	for _, m := range mounts {
		if mp, ok := m.(map[string]any)["mountPath"].(string); ok {
			paths[path.Clean(mp)] = true
		}
	}
	var errs field.ErrorList
	volumes = append([]any{}, volumes...)
	mounts = append([]any{}, mounts...)
	for i, v := range d.SecretVolumes {
		switch {
		case namedItem(volumes, v.Volume) != nil:
			errs = append(errs, field.Invalid(configPath(v.From.Key), v.From.Value, fmt.Sprintf(
				"the pod already has a volume named %q, the name Flink gives the volume of secret %q", v.Volume, v.Secret)))
		case paths[path.Clean(v.MountPath)]:
			errs = append(errs, field.Invalid(configPath(v.From.Key), v.From.Value, fmt.Sprintf(
				"the main container already mounts a volume at %s, where secret %q would go", path.Clean(v.MountPath), v.Secret)))
		default:
			volumes = append(volumes, addVolumes[i])
			mounts = append(mounts, addMounts[i])
		}
	}
	if len(errs) > 0 {
		return errs
	}
	pod["volumes"] = volumes
	main["volumeMounts"] = mounts
	return nil
}
