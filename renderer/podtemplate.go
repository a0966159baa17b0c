package renderer

import (
	"encoding/json"
	"fmt"
	"sync"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Pod templates are merged with Kubernetes strategic-merge semantics through
// kyaml: lists with a patch merge key in the Kubernetes OpenAPI schema
// (containers, initContainers, volumes, env by name; ports by containerPort;
// volumeMounts by mountPath) merge element by element instead of by position
// (the reference operator's default).
//
// Precedence, lowest first:
//  1. spec.podTemplate,
//  2. spec.jobManager.podTemplate or spec.taskManager.podTemplate,
//  3. what the operator generates, which therefore wins on the fields it
//     sets: the main container's name, image, pull policy, command, args,
//     ports, the _POD_IP_ADDRESS variable, cpu and memory, the Flink
//     configuration volume and its mount, the service account and the
//     component labels. Everything else the user wrote (sidecars, init
//     containers, volumes, node selectors, tolerations, affinity, extra
//     resources, security contexts) is kept.
//  4. the Kubernetes keys of Flink's decorators in flinkConfiguration
//     (labels, annotations, node selectors, tolerations, pull secrets,
//     variables, secrets; flinkdecorators.go), which Flink applies on top of
//     the pod template, so they win over it too. The templates give the
//     lists among them beside the pod (common.#PodDecorations), and
//     overlay.go adds them after this merge.

// kyamlMu serialises kyaml merges: kyaml keeps its OpenAPI schema in
// package state that is not documented as safe for concurrent use.
var kyamlMu sync.Mutex

// userPod merges the shared and the role's pod template; nil when the user
// gave neither.
func userPod(common, role *v1beta1.PodTemplate) (*kyaml.RNode, error) {
	var merged *kyaml.RNode
	for _, t := range []*v1beta1.PodTemplate{common, role} {
		if t == nil {
			continue
		}
		n, err := podNode(t)
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged = n
			continue
		}
		if merged, err = merge2.Merge(n, merged, kyaml.MergeOptions{}); err != nil {
			return nil, fmt.Errorf("merge pod templates: %w", err)
		}
	}
	return merged, nil
}

// podNode converts a user's template to a kyaml Pod, dropping the nulls Go's
// JSON encoding adds for absent fields so they do not read as deletions.
func podNode(t *v1beta1.PodTemplate) (*kyaml.RNode, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode pod template: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("encode pod template: %w", err)
	}
	m = pruneNulls(m).(map[string]any)
	m["apiVersion"], m["kind"] = "v1", "Pod"
	return kyaml.FromMap(m)
}

// mergeIntoPod merges the generated pod (metadata and spec maps) over the
// user's pod and returns the result's metadata and spec.
func mergeIntoPod(user *kyaml.RNode, metadata, spec map[string]any) (map[string]any, map[string]any, error) {
	kyamlMu.Lock()
	defer kyamlMu.Unlock()
	generated, err := kyaml.FromMap(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
	if err != nil {
		return nil, nil, fmt.Errorf("encode generated pod: %w", err)
	}
	dest := user.Copy()
	out, err := merge2.Merge(generated, dest, kyaml.MergeOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("merge pod template: %w", err)
	}
	m, err := out.Map()
	if err != nil {
		return nil, nil, fmt.Errorf("decode merged pod: %w", err)
	}
	// Round-trip through JSON so numbers and maps have the same Go types as
	// the rest of the rendered objects.
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("decode merged pod: %w", err)
	}
	var pod struct {
		Metadata map[string]any `json:"metadata"`
		Spec     map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(raw, &pod); err != nil {
		return nil, nil, fmt.Errorf("decode merged pod: %w", err)
	}
	return pod.Metadata, pod.Spec, nil
}

// pruneNulls removes null values. Empty maps stay: "emptyDir: {}" means
// something.
func pruneNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, item := range t {
			if item == nil {
				delete(t, k)
				continue
			}
			t[k] = pruneNulls(item)
		}
	case []any:
		for i, item := range t {
			t[i] = pruneNulls(item)
		}
	}
	return v
}
