package charts

import (
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestPodValues checks that env, envFrom, extra volumes and mounts and the
// probe overrides of customized.yaml reach the operator container, next to
// what the chart puts there itself.
func TestPodValues(t *testing.T) {
	dep := deploymentOf(t, mustRender(t, "t", filepath.Join(valuesFolder, "customized.yaml")))
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "HTTPS_PROXY" && e.Value == "http://proxy.example.com:3128"
	}) {
		t.Errorf("env: no HTTPS_PROXY in %v", c.Env)
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != "flink-operator-env" {
		t.Errorf("envFrom: %+v, want the Secret flink-operator-env", c.EnvFrom)
	}
	if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == "ca-bundle" && v.ConfigMap != nil }) ||
		!slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == "tmp" }) {
		t.Errorf("volumes %v: want the chart's tmp and the extra ca-bundle", pod.Volumes)
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		return m.Name == "ca-bundle" && m.MountPath == "/etc/ssl/certs/corporate" && m.ReadOnly
	}) || !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }) {
		t.Errorf("volume mounts %v: want /tmp and the extra ca-bundle", c.VolumeMounts)
	}
	// A single field set merges with the chart's probe: the handler stays.
	if p := c.LivenessProbe; p == nil || p.InitialDelaySeconds != 20 || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.PeriodSeconds != 10 {
		t.Errorf("liveness probe %+v: want the chart's GET /healthz every 10s with initialDelaySeconds 20", p)
	}
	if p := c.StartupProbe; p == nil || p.FailureThreshold != 30 || p.HTTPGet == nil {
		t.Errorf("startup probe %+v: want the one customized.yaml sets", p)
	}

	// Nothing of the sort by default.
	c = deploymentOf(t, mustRender(t, "t", filepath.Join(valuesFolder, "default.yaml"))).Spec.Template.Spec.Containers[0]
	if len(c.Env) > 0 || len(c.EnvFrom) > 0 || c.StartupProbe != nil || len(c.VolumeMounts) != 1 {
		t.Errorf("default values: env %v, envFrom %v, startup probe %v, mounts %v", c.Env, c.EnvFrom, c.StartupProbe, c.VolumeMounts)
	}

	// A probe can be replaced outright: null drops the chart's handler.
	objs, err := render(t, "t", nil, "readinessProbe.httpGet=null", "readinessProbe.tcpSocket.port=health")
	if err != nil {
		t.Fatal(err)
	}
	if p := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].ReadinessProbe; p == nil || p.HTTPGet != nil || p.TCPSocket == nil {
		t.Errorf("readiness probe %+v: want the tcpSocket handler alone", p)
	}
}

// TestPodDisruptionBudget: with standbys a PDB keeps one operator pod
// through voluntary disruptions; a single replica gets none, since a PDB
// with minAvailable 1 over one pod would block every node drain.
func TestPodDisruptionBudget(t *testing.T) {
	for _, tc := range []struct {
		set         []string
		want        bool
		min, maxUna string
	}{
		{set: nil},
		{set: []string{"replicas=1"}},
		{set: []string{"replicas=2"}, want: true, min: "1"},
		{set: []string{"replicas=3", "podDisruptionBudget.minAvailable=2"}, want: true, min: "2"},
		{set: []string{"replicas=3", "podDisruptionBudget.maxUnavailable=1"}, want: true, maxUna: "1"},
		{set: []string{"replicas=2", "podDisruptionBudget.enabled=false"}},
	} {
		objs, err := render(t, "t", nil, tc.set...)
		if err != nil {
			t.Fatalf("--set %v: %v", tc.set, err)
		}
		pdbs := ofKind(objs, "PodDisruptionBudget")
		if !tc.want {
			if len(pdbs) != 0 {
				t.Errorf("--set %v: want no PodDisruptionBudget, got %s", tc.set, id(pdbs[0]))
			}
			continue
		}
		if len(pdbs) != 1 {
			t.Errorf("--set %v: want one PodDisruptionBudget, got %d", tc.set, len(pdbs))
			continue
		}
		var pdb policyv1.PodDisruptionBudget
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(pdbs[0].Object, &pdb); err != nil {
			t.Fatal(err)
		}
		if got := pdb.Spec.MinAvailable; (tc.min == "") != (got == nil) || (got != nil && got.String() != tc.min) {
			t.Errorf("--set %v: minAvailable %v, want %q", tc.set, got, tc.min)
		}
		if got := pdb.Spec.MaxUnavailable; (tc.maxUna == "") != (got == nil) || (got != nil && got.String() != tc.maxUna) {
			t.Errorf("--set %v: maxUnavailable %v, want %q", tc.set, got, tc.maxUna)
		}
		pods := deploymentOf(t, objs).Spec.Template.Labels
		for k, v := range pdb.Spec.Selector.MatchLabels {
			if pods[k] != v {
				t.Errorf("--set %v: the PDB selects %s=%s, which the operator pods (%v) do not carry", tc.set, k, v, pods)
			}
		}
	}
}
