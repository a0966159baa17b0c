package sessionjob

import (
	"context"
	"fmt"
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// A session that serves REST over TLS is reached by the fetch pod as the
// operator reaches it (reconciler/resttls, docs/rest-tls.md): with the
// stores the session's configuration names, read at those paths. The pod
// gets the session's Flink configuration (its ConfigMap, mounted), and,
// read-only, the volumes the JobManager mounts at the stores' paths, taken
// from the JobManager's Deployment, so a Secret reaches it whether the
// user mounted it through a pod template or Flink's kubernetes.secrets.
// flink-fetch --upload-flink-config reads the keys there.

const (
	// sessionConfigDir is where the session's configuration ConfigMap is
	// mounted in the fetch pod.
	sessionConfigDir = "/opt/flink-fetch/session-config"
	// mainContainer is the Flink container of the JobManager's pod.
	mainContainer = "flink-main-container"
	// copiedVolumePrefix names the session's volumes in the fetch pod,
	// apart from its own.
	copiedVolumePrefix = "session-"
)

// sessionTLSAccess is what the fetch pod needs to upload to a session that
// serves REST over TLS: the volumes and mounts, and the flag. why says what
// is missing when the JobManager mounts nothing at a store's path.
type sessionTLSAccess struct {
	volumes []corev1.Volume
	mounts  []corev1.VolumeMount
	args    []string
	why     string
}

// tlsAccess reads the session's JobManager Deployment for the volumes that
// hold its REST stores.
func (p *pass) tlsAccess(ctx context.Context, settings flinkconf.RESTTLS) (sessionTLSAccess, error) {
	fd := p.session.fd
	a := sessionTLSAccess{args: []string{"--upload-flink-config", sessionConfigDir}}
	a.volumes = append(a.volumes, corev1.Volume{Name: copiedVolumePrefix + "config", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "flink-config-" + fd.Name}}}})
	a.mounts = append(a.mounts, corev1.VolumeMount{Name: copiedVolumePrefix + "config", MountPath: sessionConfigDir, ReadOnly: true})
	var paths []string
	if s := settings.Truststore; s.Path != "" {
		paths = append(paths, s.Path)
	}
	if s := settings.Keystore; settings.Mutual && s.Path != "" {
		paths = append(paths, s.Path)
	}
	if len(paths) == 0 {
		return a, nil // the system's authorities, no client key
	}
	// Read from the API server: the operator's cache keeps no pod
	// templates of Deployments.
	list := &appsv1.DeploymentList{}
	if err := p.r.APIReader.List(ctx, list, client.InNamespace(fd.Namespace), client.MatchingLabels{"app": fd.Name, "component": "jobmanager"}); err != nil {
		return a, p.ref().Errorf("list the JobManager Deployment of session %s for the volumes of its REST stores: %w", fd.Name, err)
	}
	if len(list.Items) == 0 {
		a.why = fmt.Sprintf("session %s has no JobManager Deployment to read the volumes of its REST stores from", fd.Name)
		return a, nil
	}
	pod := list.Items[0].Spec.Template.Spec
	var mounts []corev1.VolumeMount
	for _, c := range pod.Containers {
		if c.Name == mainContainer {
			mounts = c.VolumeMounts
		}
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	copied := map[string]bool{}
	for _, file := range paths {
		m, ok := mountOf(mounts, file)
		if !ok {
			a.why = fmt.Sprintf("the JobManager of session %s mounts nothing at %s, which its configuration names as a REST store", fd.Name, file)
			return a, nil
		}
		v, ok := volumes[m.Name]
		if !ok {
			a.why = fmt.Sprintf("the JobManager of session %s mounts volume %s at %s, which its pod does not define", fd.Name, m.Name, m.MountPath)
			return a, nil
		}
		if copied[m.MountPath] {
			continue
		}
		copied[m.MountPath] = true
		v.Name = copiedVolumePrefix + v.Name
		m.Name, m.ReadOnly = v.Name, true
		a.mounts = append(a.mounts, m)
		if !containsVolume(a.volumes, v.Name) {
			a.volumes = append(a.volumes, v)
		}
	}
	return a, nil
}

// mountOf is the mount that holds file: the deepest whose path is the file
// or a folder above it.
func mountOf(mounts []corev1.VolumeMount, file string) (corev1.VolumeMount, bool) {
	file = path.Clean(file)
	var best corev1.VolumeMount
	found := false
	for _, m := range mounts {
		dir := path.Clean(m.MountPath)
		if file != dir && !strings.HasPrefix(file, strings.TrimSuffix(dir, "/")+"/") {
			continue
		}
		if !found || len(dir) > len(path.Clean(best.MountPath)) {
			best, found = m, true
		}
	}
	return best, found
}

func containsVolume(vs []corev1.Volume, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}
