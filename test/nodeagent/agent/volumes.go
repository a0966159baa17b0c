package agent

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/test/nodeagent/sandbox"
)

// volume is a pod volume made on the host.
type volume struct {
	dir string
	// readOnly: a kubelet mounts configMap, secret, downwardAPI and
	// projected volumes read-only whatever the volumeMount says. (The Flink
	// image's entrypoint depends on it: its config rewrite fails on a
	// mounted conf/, and the mounted values win.)
	readOnly bool
}

// prepareVolumes materialises the pod's volumes in its folder, as a kubelet
// does before it starts the first container.
func (w *podWorker) prepareVolumes(ctx context.Context) (map[string]volume, error) {
	pod := w.pod()
	vols := map[string]volume{}
	for _, v := range pod.Spec.Volumes {
		dir, err := w.prepareVolume(ctx, v)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		ro := v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
		vols[v.Name] = volume{dir: dir, readOnly: ro}
	}
	return vols, nil
}

func (w *podWorker) prepareVolume(ctx context.Context, v corev1.Volume) (string, error) {
	dir := filepath.Join(w.dir, "volumes", v.Name)
	src := v.VolumeSource
	switch {
	case src.EmptyDir != nil:
		return dir, os.MkdirAll(dir, 0o777)
	case src.HostPath != nil:
		return w.a.hostPath(src.HostPath)
	case src.ConfigMap != nil:
		data, err := w.configMapData(ctx, src.ConfigMap.Name, src.ConfigMap.Optional)
		if err != nil {
			return "", err
		}
		return dir, writeItems(dir, data, src.ConfigMap.Items, src.ConfigMap.Optional)
	case src.Secret != nil:
		data, err := w.secretData(ctx, src.Secret.SecretName, src.Secret.Optional)
		if err != nil {
			return "", err
		}
		return dir, writeItems(dir, data, src.Secret.Items, src.Secret.Optional)
	case src.DownwardAPI != nil:
		return dir, w.writeDownwardAPI(dir, src.DownwardAPI.Items)
	case src.Projected != nil:
		return dir, w.writeProjected(ctx, dir, src.Projected.Sources)
	}
	return "", fmt.Errorf("this node agent mounts emptyDir, hostPath, configMap, secret, downwardAPI and projected volumes, not %s", volumeType(v))
}

// hostPath maps a hostPath volume into the node's own filesystem, a folder of
// the agent's: this node is not the machine, as a kind node is a container
// and not its host. DirectoryOrCreate and an unset type create the folder.
func (a *Agent) hostPath(src *corev1.HostPathVolumeSource) (string, error) {
	if !path.IsAbs(src.Path) {
		return "", fmt.Errorf("hostPath %q: want an absolute path", src.Path)
	}
	dir := filepath.Join(a.cfg.StateDir, "node-root", filepath.FromSlash(path.Clean(src.Path)))
	typ := ptr.Deref(src.Type, corev1.HostPathUnset)
	switch typ {
	case corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate:
		return dir, os.MkdirAll(dir, 0o755)
	case corev1.HostPathDirectory:
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("hostPath %q: type Directory, but the node has no such folder", src.Path)
		}
		return dir, nil
	}
	return "", fmt.Errorf("hostPath %q: type %q is not supported by this node agent (only Directory and DirectoryOrCreate)", src.Path, typ)
}

func volumeType(v corev1.Volume) string {
	switch {
	case v.PersistentVolumeClaim != nil:
		return "persistentVolumeClaim"
	case v.NFS != nil:
		return "nfs"
	case v.CSI != nil:
		return "csi"
	case v.Ephemeral != nil:
		return "ephemeral"
	}
	return "this volume type"
}

// writeItems writes a ConfigMap's or Secret's keys as files: every key, or
// just the listed items under their paths.
func writeItems(dir string, data map[string]string, items []corev1.KeyToPath, optional *bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if len(items) == 0 {
		for k, v := range data {
			if err := writeFile(dir, k, v, nil); err != nil {
				return err
			}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return fmt.Errorf("no key %q to mount as %s", it.Key, it.Path)
		}
		if err := writeFile(dir, it.Path, v, it.Mode); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dir, rel, content string, mode *int32) error {
	if rel == "" || path.IsAbs(rel) || strings.HasPrefix(path.Clean(rel), "..") {
		return fmt.Errorf("item path %q: want a relative path inside the volume", rel)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if mode != nil {
		perm = os.FileMode(*mode) & 0o777
	}
	return os.WriteFile(p, []byte(content), perm)
}

func (w *podWorker) writeDownwardAPI(dir string, items []corev1.DownwardAPIVolumeFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, it := range items {
		if it.FieldRef == nil {
			return fmt.Errorf("downwardAPI item %q: only fieldRef items are supported by this node agent", it.Path)
		}
		v, err := w.fieldValue(it.FieldRef.FieldPath)
		if err != nil {
			return err
		}
		if err := writeFile(dir, it.Path, v, it.Mode); err != nil {
			return err
		}
	}
	return nil
}

// writeProjected fills a projected volume. The service account token comes
// from the TokenRequest API, bound to this pod, as a kubelet gets it: the
// Flink processes talk to the API server with their own identity, so a
// missing RBAC rule fails here as it would in a cluster. (Tokens are not
// refreshed: dev-cluster pods live for less than their hour.)
func (w *podWorker) writeProjected(ctx context.Context, dir string, sources []corev1.VolumeProjection) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pod := w.pod()
	for _, s := range sources {
		switch {
		case s.ServiceAccountToken != nil:
			req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
				ExpirationSeconds: s.ServiceAccountToken.ExpirationSeconds,
				BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
			}}
			if aud := s.ServiceAccountToken.Audience; aud != "" {
				req.Spec.Audiences = []string{aud}
			}
			tok, err := w.a.cfg.Client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, pod.Spec.ServiceAccountName, req, metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("request a token for ServiceAccount/%s/%s: %w", pod.Namespace, pod.Spec.ServiceAccountName, err)
			}
			if err := writeFile(dir, s.ServiceAccountToken.Path, tok.Status.Token, nil); err != nil {
				return err
			}
		case s.ConfigMap != nil:
			data, err := w.configMapData(ctx, s.ConfigMap.Name, s.ConfigMap.Optional)
			if err != nil {
				return err
			}
			if err := writeItems(dir, data, s.ConfigMap.Items, s.ConfigMap.Optional); err != nil {
				return err
			}
		case s.Secret != nil:
			data, err := w.secretData(ctx, s.Secret.Name, s.Secret.Optional)
			if err != nil {
				return err
			}
			if err := writeItems(dir, data, s.Secret.Items, s.Secret.Optional); err != nil {
				return err
			}
		case s.DownwardAPI != nil:
			if err := w.writeDownwardAPI(dir, s.DownwardAPI.Items); err != nil {
				return err
			}
		default:
			return fmt.Errorf("projected volume: only serviceAccountToken, configMap, secret and downwardAPI sources are supported by this node agent")
		}
	}
	return nil
}

// volumeMounts turns the container's volumeMounts into sandbox mounts, in
// the order given: a mount may sit inside an earlier one.
func volumeMounts(c *corev1.Container, vols map[string]volume) ([]sandbox.Mount, error) {
	var out []sandbox.Mount
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			return nil, fmt.Errorf("container %q mounts volume %q, which the pod does not have", c.Name, m.Name)
		}
		src := v.dir
		if m.SubPath != "" {
			src = filepath.Join(v.dir, filepath.FromSlash(m.SubPath))
		}
		out = append(out, sandbox.Mount{Source: src, Target: m.MountPath, ReadOnly: m.ReadOnly || v.readOnly})
	}
	return out, nil
}
