package agent

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// containerEnv is the environment a kubelet gives a container: the image's,
// the service variables of the API server, then the pod's env and envFrom,
// each value with $(VAR) references to earlier ones expanded.
func (w *podWorker) containerEnv(ctx context.Context, c *corev1.Container, img *Image) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range img.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	env["HOSTNAME"] = w.hostname()
	// The "kubernetes" Service, as a kubelet announces it. It points at the
	// API server itself: there is no kube-proxy here to route a ClusterIP.
	if h, p := w.a.cfg.APIServerHost, w.a.cfg.APIServerPort; h != "" {
		env["KUBERNETES_SERVICE_HOST"] = h
		env["KUBERNETES_SERVICE_PORT"] = p
		env["KUBERNETES_SERVICE_PORT_HTTPS"] = p
		env["KUBERNETES_PORT"] = "tcp://" + h + ":" + p
	}
	for _, from := range c.EnvFrom {
		data, err := w.envFromSource(ctx, from)
		if err != nil {
			return nil, err
		}
		for k, v := range data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			var err error
			if v, err = w.envValueFrom(ctx, c, e); err != nil {
				return nil, err
			}
		} else {
			v = expand(v, env)
		}
		env[e.Name] = v
	}
	return env, nil
}

func (w *podWorker) envFromSource(ctx context.Context, from corev1.EnvFromSource) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		data, err := w.configMapData(ctx, from.ConfigMapRef.Name, from.ConfigMapRef.Optional)
		if err != nil {
			return nil, fmt.Errorf("envFrom: %w", err)
		}
		return data, nil
	case from.SecretRef != nil:
		data, err := w.secretData(ctx, from.SecretRef.Name, from.SecretRef.Optional)
		if err != nil {
			return nil, fmt.Errorf("envFrom: %w", err)
		}
		return data, nil
	}
	return nil, nil
}

func (w *podWorker) envValueFrom(ctx context.Context, c *corev1.Container, e corev1.EnvVar) (string, error) {
	src := e.ValueFrom
	switch {
	case src.FieldRef != nil:
		return w.fieldValue(src.FieldRef.FieldPath)
	case src.ResourceFieldRef != nil:
		return resourceValue(c, src.ResourceFieldRef)
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		data, err := w.configMapData(ctx, ref.Name, ref.Optional)
		if err != nil {
			return "", fmt.Errorf("env %s: %w", e.Name, err)
		}
		v, ok := data[ref.Key]
		if !ok && (ref.Optional == nil || !*ref.Optional) {
			return "", fmt.Errorf("env %s: ConfigMap/%s/%s has no key %q", e.Name, w.pod().Namespace, ref.Name, ref.Key)
		}
		return v, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		data, err := w.secretData(ctx, ref.Name, ref.Optional)
		if err != nil {
			return "", fmt.Errorf("env %s: %w", e.Name, err)
		}
		v, ok := data[ref.Key]
		if !ok && (ref.Optional == nil || !*ref.Optional) {
			return "", fmt.Errorf("env %s: Secret/%s/%s has no key %q", e.Name, w.pod().Namespace, ref.Name, ref.Key)
		}
		return v, nil
	}
	return "", fmt.Errorf("env %s: valueFrom names no source", e.Name)
}

// fieldValue is the downward API: the pod fields a kubelet can fill in.
func (w *podWorker) fieldValue(path string) (string, error) {
	pod := w.pod()
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return w.ip, nil
	case "status.hostIP", "status.hostIPs":
		return "127.0.0.1", nil
	case "metadata.labels", "metadata.annotations":
		m := pod.Labels
		if path == "metadata.annotations" {
			m = pod.Annotations
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		lines := make([]string, len(keys))
		for i, k := range keys {
			lines[i] = fmt.Sprintf("%s=%q", k, m[k])
		}
		return strings.Join(lines, "\n"), nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels['": pod.Labels, "metadata.annotations['": pod.Annotations} {
		if key, ok := strings.CutPrefix(path, prefix); ok && strings.HasSuffix(key, "']") {
			return m[strings.TrimSuffix(key, "']")], nil
		}
	}
	return "", fmt.Errorf("fieldRef %q: not a field the downward API offers", path)
}

// resourceValue is a resourceFieldRef: a container's request or limit in
// units of the divisor, rounded up as a kubelet does.
func resourceValue(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("resourceFieldRef %q: want limits.<name> or requests.<name>", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, ok := list[corev1.ResourceName(name)]
	if !ok {
		return "0", nil
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	return fmt.Sprint(int64(math.Ceil(q.AsApproximateFloat64() / divisor.AsApproximateFloat64()))), nil
}

// expand replaces $(NAME) with the value of NAME when it is defined, and
// $$ with $, leaving anything else as written: the rules of a container's
// command, args and env values. (Kubernetes keeps its implementation in
// k8s.io/kubernetes, which this module does not depend on; it is a few
// lines.)
func expand(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func (w *podWorker) configMapData(ctx context.Context, name string, optional *bool) (map[string]string, error) {
	ns := w.pod().Namespace
	cm, err := w.a.cfg.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if optional != nil && *optional {
			return map[string]string{}, nil
		}
		return nil, fmt.Errorf("get ConfigMap/%s/%s: %w", ns, name, err)
	}
	data := map[string]string{}
	for k, v := range cm.Data {
		data[k] = v
	}
	for k, v := range cm.BinaryData {
		data[k] = string(v)
	}
	return data, nil
}

func (w *podWorker) secretData(ctx context.Context, name string, optional *bool) (map[string]string, error) {
	ns := w.pod().Namespace
	s, err := w.a.cfg.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if optional != nil && *optional {
			return map[string]string{}, nil
		}
		return nil, fmt.Errorf("get Secret/%s/%s: %w", ns, name, err)
	}
	data := map[string]string{}
	for k, v := range s.Data {
		data[k] = string(v)
	}
	return data, nil
}
