package renderer

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Remote job jars (spec.job.jarURI with https, http, s3 or gs) are fetched
// by an init container, flink-fetch (cmd/flink-fetch, package fetcher), into
// /opt/flink/usrlib before Flink starts, and Flink's configuration names
// the local copy. The pods that fetch: the JobManager in native mode (it
// ships the jar to TaskManagers), JobManager and TaskManagers in standalone
// mode (pipeline.classpaths is a path every process reads).

// DefaultFetcherImage runs the fetch init container when the RenderContext
// names no image: the flink-fetch image of this release, which holds
// /usr/local/bin/flink-fetch and nothing of the operator. Its tag is the
// release's, like the chart's appVersion: the fetcher's flags are the ones
// this renderer writes.
const DefaultFetcherImage = "ghcr.io/flinkops/flink-fetch:v0.1.0"

// fetchContainerName is the init container's name
// (templates/common/artifact.cue: fetchContainer).
const fetchContainerName = "fetch-artifacts"

// artifactInput mirrors #Artifact in templates/common/artifact.cue.
type artifactInput struct {
	URI               string `json:"uri"`
	File              string `json:"file"`
	Image             string `json:"image"`
	AllowHTTP         bool   `json:"allowHTTP,omitempty"`
	JobManagerVolume  string `json:"jobManagerVolume,omitempty"`
	TaskManagerVolume string `json:"taskManagerVolume,omitempty"`
}

// buildArtifact reads spec.job.jarURI: nil for a jar in the image; for a
// remote one, what the templates need and the local URI Flink is given.
func buildArtifact(fd *v1beta1.FlinkDeployment, rc RenderContext) (*artifactInput, string, *field.Error) {
	uri := fd.Spec.Job.JarURI
	if uri == "" || artifact.InImage(uri) {
		return nil, "", nil
	}
	path := field.NewPath("spec", "job", "jarURI")
	if mirrored, ok := rc.ArtifactMirrors.Rewrite(uri); ok {
		// The operator's --artifact-mirror: fetched from there, its
		// scheme checked when the operator started.
		uri = mirrored
	}
	ref, err := artifact.Parse(uri, rc.AllowHTTPArtifacts)
	switch {
	case errors.Is(err, artifact.ErrHTTPNotAllowed):
		return nil, "", field.Invalid(path, artifact.Redact(uri), err.Error()+", or start the operator with --allow-http-artifacts (flink-render: the same flag); allowed: "+artifact.Allowed)
	case err != nil:
		return nil, "", field.Invalid(path, artifact.Redact(uri), err.Error())
	}
	image := rc.FetcherImage
	if image == "" {
		image = DefaultFetcherImage
	}
	in := &artifactInput{
		URI:              uri,
		File:             ref.FileName,
		Image:            image,
		AllowHTTP:        ref.Scheme == artifact.SchemeHTTP,
		JobManagerVolume: userLibVolumeOf(fd.Spec.PodTemplate, fd.Spec.JobManager.PodTemplate),
	}
	if *fd.Spec.Mode == v1beta1.ModeStandalone {
		in.TaskManagerVolume = userLibVolumeOf(fd.Spec.PodTemplate, fd.Spec.TaskManager.PodTemplate)
	}
	return in, "local://" + userLibPath + "/" + ref.FileName, nil
}

// userLibVolumeOf names the volume the user's templates (shared, then the
// role's, which wins) mount exactly at userLibPath in the main container;
// empty when none does.
func userLibVolumeOf(templates ...*v1beta1.PodTemplate) string {
	volume := ""
	for _, t := range templates {
		if t == nil {
			continue
		}
		for _, c := range t.Spec.Containers {
			if c.Name != mainContainerName {
				continue
			}
			for _, m := range c.VolumeMounts {
				if path.Clean(m.MountPath) == userLibPath {
					volume = m.Name
				}
			}
		}
	}
	return volume
}

// inheritIntoFetcher gives the fetch init container of a merged pod spec
// what the user set on the main container in their pod templates: env and
// envFrom (a Secret referenced there reaches the fetcher, as
// AWS_ACCESS_KEY_ID or GOOGLE_APPLICATION_CREDENTIALS) and volume mounts,
// read-only (a mounted key file). What the user set on fetch-artifacts
// itself wins. Mounts at or under usrlib stay the fetcher's own.
func inheritIntoFetcher(user *kyaml.RNode, spec map[string]any) error {
	fetch := namedItem(spec["initContainers"], fetchContainerName)
	if fetch == nil {
		return nil
	}
	main, err := userMainContainer(user)
	if err != nil || main == nil {
		return err
	}
	fetch["env"] = appendMissing(fetch["env"], main.Env, func(e map[string]any) any { return e["name"] })
	fetch["envFrom"] = appendMissing(fetch["envFrom"], main.EnvFrom, func(e map[string]any) any { return canonical(e) })
	var mounts []map[string]any
	for _, m := range main.VolumeMounts {
		p, _ := m["mountPath"].(string)
		if p = path.Clean(p); p == userLibPath || strings.HasPrefix(p, userLibPath+"/") {
			continue
		}
		m["readOnly"] = true
		mounts = append(mounts, m)
	}
	fetch["volumeMounts"] = appendMissing(fetch["volumeMounts"], mounts, func(e map[string]any) any { return path.Clean(fmt.Sprint(e["mountPath"])) })
	for _, k := range []string{"env", "envFrom", "volumeMounts"} {
		if l, _ := fetch[k].([]any); len(l) == 0 {
			delete(fetch, k)
		}
	}
	return nil
}

type containerParts struct {
	Name         string           `json:"name"`
	Env          []map[string]any `json:"env"`
	EnvFrom      []map[string]any `json:"envFrom"`
	VolumeMounts []map[string]any `json:"volumeMounts"`
}

// userMainContainer reads the main container of the user's merged pod
// templates, with JSON value types like the rest of the objects.
func userMainContainer(user *kyaml.RNode) (*containerParts, error) {
	m, err := user.Map()
	if err != nil {
		return nil, fmt.Errorf("read pod template: %w", err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("read pod template: %w", err)
	}
	var pod struct {
		Spec struct {
			Containers []containerParts `json:"containers"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &pod); err != nil {
		return nil, fmt.Errorf("read pod template: %w", err)
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == mainContainerName {
			return &pod.Spec.Containers[i], nil
		}
	}
	return nil, nil
}

// namedItem finds the element of a list of objects with the given name.
func namedItem(list any, name string) map[string]any {
	items, _ := list.([]any)
	for _, item := range items {
		if m, ok := item.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	return nil
}

// appendMissing appends the entries of add whose key is not in list yet.
func appendMissing(list any, add []map[string]any, key func(map[string]any) any) []any {
	out, _ := list.([]any)
	seen := map[any]bool{}
	for _, item := range out {
		if m, ok := item.(map[string]any); ok {
			seen[key(m)] = true
		}
	}
	for _, m := range add {
		if k := key(m); !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	return out
}

// canonical is a comparable form of a JSON object.
func canonical(m map[string]any) any {
	b, _ := json.Marshal(m)
	return string(b)
}
