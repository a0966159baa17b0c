package renderer

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Applying the parsed decorations to the rendered objects, after the
// user's pod templates are merged.

// mountsUnder reports whether a secret is mounted at or below dir.
func (d *flinkDecorations) mountsUnder(dir string) bool {
	if d == nil {
		return false
	}
	for _, v := range d.secretVolumes {
		p := path.Clean(v.mountPath)
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// decorateRestService applies the rest Service keys.
func (d *flinkDecorations) decorateRestService(u *unstructured.Unstructured) {
	if d == nil {
		return
	}
	spec := childMap(u.Object, "spec")
	if d.restServiceType != "" {
		spec["type"] = d.restServiceType
	}
	if d.restServiceHeadless {
		spec["clusterIP"] = "None"
	}
	if len(d.restServiceAnnotations) > 0 {
		u.SetAnnotations(overlay(u.GetAnnotations(), d.restServiceAnnotations))
	}
}

// decorateDeployment applies the keys to a JobManager or TaskManager
// Deployment after the user's pod templates are merged into it. The
// component label says which process it runs.
func (d *flinkDecorations) decorateDeployment(u *unstructured.Unstructured) field.ErrorList {
	if d == nil {
		return nil
	}
	var proc *processDecorations
	switch u.GetLabels()["component"] {
	case "jobmanager":
		proc = &d.jobManager
	case "taskmanager":
		proc = &d.taskManager
	default:
		return nil
	}
	spec := childMap(u.Object, "spec")
	selector, _ := childMap(spec, "selector")["matchLabels"].(map[string]any)
	if d.standaloneJobManager && proc == &d.jobManager {
		if errs := selectorConflicts(proc, selector); len(errs) > 0 {
			return errs
		}
	}
	if len(proc.labels) > 0 {
		u.SetLabels(overlay(proc.labels, u.GetLabels()))
	}
	if len(proc.annotations) > 0 {
		u.SetAnnotations(overlay(u.GetAnnotations(), proc.annotations))
	}

	template := childMap(spec, "template")
	metadata := childMap(template, "metadata")
	pod := childMap(template, "spec")
	if len(proc.labels) > 0 {
		labels := copyMap(metadata["labels"])
		for k, v := range proc.labels {
			if _, ours := selector[k]; !ours {
				labels[k] = v
			}
		}
		metadata["labels"] = labels
	}
	overlayInto(metadata, "annotations", proc.annotations)
	overlayInto(pod, "nodeSelector", proc.nodeSelector)
	if len(proc.tolerations) > 0 {
		existing, _ := pod["tolerations"].([]any)
		pod["tolerations"] = append(append([]any{}, existing...), deepCopyList(proc.tolerations)...)
	}
	if len(d.imagePullSecrets) > 0 {
		existing, _ := pod["imagePullSecrets"].([]any)
		secrets := append([]any{}, existing...)
		for _, name := range d.imagePullSecrets {
			if namedItem(secrets, name) == nil {
				secrets = append(secrets, map[string]any{"name": name})
			}
		}
		pod["imagePullSecrets"] = secrets
	}

	containers, _ := pod["containers"].([]any)
	main := namedItem(containers, mainContainerName)
	d.decorateStart(pod, main, proc, !d.standaloneJobManager && proc == &d.jobManager)
	if main == nil {
		return nil
	}
	d.decorateEnv(main, proc.env)
	if errs := d.mountSecrets(pod, main); len(errs) > 0 {
		return errs
	}
	// The init container that fetches the job's jar gets the same
	// credentials as the main container from these keys, as it does from
	// the pod templates (artifact.go, inheritIntoFetcher): the variables,
	// and the secret volumes read-only.
	if fetch := namedItem(pod["initContainers"], fetchContainerName); fetch != nil {
		d.decorateEnv(fetch, proc.env)
		d.mountSecretsReadOnly(fetch)
	}
	return nil
}

// mountSecretsReadOnly mounts the secret volumes (which mountSecrets added
// to the pod) in another container, read-only, skipping paths it already
// mounts.
func (d *flinkDecorations) mountSecretsReadOnly(container map[string]any) {
	if len(d.secretVolumes) == 0 {
		return
	}
	mounts, _ := container["volumeMounts"].([]any)
	mounts = append([]any{}, mounts...)
	for _, v := range d.secretVolumes {
		if indexOfMountPath(mounts, v.mountPath) < 0 {
			mounts = append(mounts, map[string]any{"name": v.volume, "mountPath": v.mountPath, "readOnly": true})
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
func selectorConflicts(proc *processDecorations, selector map[string]any) field.ErrorList {
	var errs field.ErrorList
	names := make([]string, 0, len(proc.labels))
	for k := range proc.labels {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		want, ok := selector[k]
		if !ok || want == proc.labels[k] {
			continue
		}
		from := proc.labelOrigins[k]
		errs = append(errs, field.Invalid(configPath(from.key), from.value, fmt.Sprintf(
			"label %q selects the JobManager's pods and must stay %q: standalone Flink puts these labels over its own, and pods that do not match their Deployment's selector are rejected", k, want)))
	}
	return errs
}

// decorateEnv adds the containerized.*.env variables before
// _POD_IP_ADDRESS (where InitJobManagerDecorator puts them) and the secret
// variables at the end. A variable the pod template already defines is
// replaced in place: Flink appends, and the last definition wins.
func (d *flinkDecorations) decorateEnv(main map[string]any, vars []envVar) {
	if len(vars) == 0 && len(d.secretEnv) == 0 {
		return
	}
	existing, _ := main["env"].([]any)
	env := append(make([]any, 0, len(existing)+len(vars)+len(d.secretEnv)), existing...)
	var added []any
	for _, v := range vars {
		item := map[string]any{"name": v.name, "value": v.value}
		if i := indexOfName(env, v.name); i >= 0 {
			env[i] = item
		} else {
			added = append(added, item)
		}
	}
	if len(added) > 0 {
		at := indexOfName(env, podIPEnvName)
		if at < 0 {
			at = len(env)
		}
		env = append(env[:at], append(added, env[at:]...)...)
	}
	for _, v := range d.secretEnv {
		item := map[string]any{"name": v.name, "valueFrom": map[string]any{
			"secretKeyRef": map[string]any{"name": v.secret, "key": v.key},
		}}
		if i := indexOfName(env, v.name); i >= 0 {
			env[i] = item
		} else {
			env = append(env, item)
		}
	}
	main["env"] = env
}

// mountSecrets adds a volume per secret and mounts it in the main
// container. Flink only appends, so a name or path the pod already uses
// would give a pod Kubernetes rejects: an error here.
func (d *flinkDecorations) mountSecrets(pod, main map[string]any) field.ErrorList {
	if len(d.secretVolumes) == 0 {
		return nil
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
	for _, v := range d.secretVolumes {
		switch {
		case namedItem(volumes, v.volume) != nil:
			errs = append(errs, field.Invalid(configPath(v.from.key), v.from.value, fmt.Sprintf(
				"the pod already has a volume named %q, the name Flink gives the volume of secret %q", v.volume, v.secret)))
		case paths[path.Clean(v.mountPath)]:
			errs = append(errs, field.Invalid(configPath(v.from.key), v.from.value, fmt.Sprintf(
				"the main container already mounts a volume at %s, where secret %q would go", path.Clean(v.mountPath), v.secret)))
		default:
			volumes = append(volumes, map[string]any{"name": v.volume, "secret": map[string]any{"secretName": v.secret}})
			mounts = append(mounts, map[string]any{"name": v.volume, "mountPath": v.mountPath})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	pod["volumes"] = volumes
	main["volumeMounts"] = mounts
	return nil
}
