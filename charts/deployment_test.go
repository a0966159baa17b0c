package charts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/renderer"
)

// TestDeploymentIsHardened checks the operator pod of every values file:
// non-root, read-only root filesystem, no capabilities, no privilege
// escalation, RuntimeDefault seccomp, requests and limits, probes.
func TestDeploymentIsHardened(t *testing.T) {
	for _, f := range valuesFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			dep := deploymentOf(t, mustRender(t, "t", f))
			pod := dep.Spec.Template.Spec
			if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot ||
				psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod security context %+v: want runAsNonRoot and seccomp RuntimeDefault", psc)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("want one container, got %d", len(pod.Containers))
			}
			c := pod.Containers[0]
			sc := c.SecurityContext
			switch {
			case sc == nil:
				t.Fatal("container has no security context")
			case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
				t.Error("root filesystem is writable")
			case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
				t.Error("privilege escalation is allowed")
			case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
				t.Errorf("capabilities %+v: want all dropped, none added", sc.Capabilities)
			case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
				t.Error("container may run as root")
			case sc.Privileged != nil && *sc.Privileged:
				t.Error("container is privileged")
			}
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[res]; !ok {
					t.Errorf("no %s request", res)
				}
				if _, ok := c.Resources.Limits[res]; !ok {
					t.Errorf("no %s limit", res)
				}
			}
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
				t.Errorf("liveness probe %+v: want GET /healthz", c.LivenessProbe)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("readiness probe %+v: want GET /readyz", c.ReadinessProbe)
			}
			if pod.HostNetwork || pod.HostPID || pod.HostIPC {
				t.Error("the pod shares a host namespace")
			}
		})
	}
}

// TestDeploymentPassesValuesAsFlags checks that values become the
// operator's flags.
func TestDeploymentPassesValuesAsFlags(t *testing.T) {
	for file, want := range map[string][]string{
		"default.yaml": {"--watch-namespaces=", "--leader-elect=true", "--leader-election-namespace=" + releaseNS,
			"--leader-election-id=t-flink-operator", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
			"--rest-url-template=http://{{name}}-rest.{{namespace}}.svc:8081", "--zap-log-level=info",
			"--fetcher-image=" + renderer.DefaultFetcherImage},
		"namespaced-webhook.yaml": {"--watch-namespaces=team-a,team-b", "--zap-log-level=debug", "--webhook",
			"--webhook-namespace=" + releaseNS, "--webhook-service=t-flink-operator-webhook",
			"--webhook-cert-secret=t-flink-operator-webhook-cert", "--webhook-configuration=" + releaseNS + "-t-flink-operator"},
		"certmanager-monitoring.yaml": {"--webhook", "--webhook-cert-dir=/etc/flink-operator/webhook-certs"},
		"sharded.yaml":                {"--label-selector=shard=a", "--watch-namespaces="},
		"customized.yaml": {"--rest-url-template=http://{{name}}-rest.{{namespace}}.svc.cluster.local:8081",
			"--max-concurrent-reconciles=8", "--zap-log-level=4", "--resync-interval=30s",
			"--fetcher-image=registry.example.com/flink-fetch@sha256:1111111111111111111111111111111111111111111111111111111111111111"},
	} {
		dep := deploymentOf(t, mustRender(t, "t", filepath.Join(valuesFolder, file)))
		args := dep.Spec.Template.Spec.Containers[0].Args
		for _, w := range want {
			if !slices.Contains(args, w) {
				t.Errorf("%s: no flag %q in %q", file, w, args)
			}
		}
		if file == "default.yaml" && slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--artifact-schemes") }) {
			t.Errorf("default.yaml: --artifact-schemes without fetcher.schemes: %q", args)
		}
	}
	if objs, err := render(t, "t", nil, "fetcher.schemes={https,s3}"); err != nil {
		t.Error(err)
	} else if args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--artifact-schemes=https,s3") {
		t.Errorf("fetcher.schemes={https,s3}: no --artifact-schemes=https,s3 in %q", args)
	}

	if objs, err := render(t, "t", nil, "fetcher.mirrors[0].from=https://repo1.maven.org/maven2/", "fetcher.mirrors[0].to=https://nexus.example.com/central/"); err != nil {
		t.Error(err)
	} else if args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--artifact-mirror=https://repo1.maven.org/maven2/=https://nexus.example.com/central/") {
		t.Errorf("fetcher.mirrors: no --artifact-mirror in %q", args)
	}
	if _, err := render(t, "t", nil, "fetcher.mirrors[0].from=https://repo1.maven.org/maven2", "fetcher.mirrors[0].to=https://nexus.example.com/central/"); err == nil {
		t.Error("fetcher.mirrors: a from without its trailing / was accepted")
	}

	dep := deploymentOf(t, mustRender(t, "t", filepath.Join(valuesFolder, "customized.yaml")))
	pod := dep.Spec.Template.Spec
	if img := pod.Containers[0].Image; img != "registry.example.com/flink-operator@sha256:0000000000000000000000000000000000000000000000000000000000000000" {
		t.Errorf("image by digest: got %q", img)
	}
	if pod.NodeSelector["kubernetes.io/os"] != "linux" || len(pod.Tolerations) != 1 || pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil {
		t.Errorf("scheduling values not applied: nodeSelector %v, tolerations %v, affinity %v", pod.NodeSelector, pod.Tolerations, pod.Affinity)
	}
	if pod.ServiceAccountName != "flink-operator" || pod.PriorityClassName != "system-cluster-critical" || len(pod.ImagePullSecrets) != 1 {
		t.Errorf("serviceAccountName %q, priorityClassName %q, imagePullSecrets %v", pod.ServiceAccountName, pod.PriorityClassName, pod.ImagePullSecrets)
	}
	if dep.Spec.Template.Annotations["example.com/team"] != "data-platform" {
		t.Errorf("pod annotations not applied: %v", dep.Spec.Template.Annotations)
	}

	objs, err := render(t, "t", nil, "replicas=1", "leaderElection.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	dep = deploymentOf(t, objs)
	if dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("without leader election the rollout strategy is %q; two operators would overlap", dep.Spec.Strategy.Type)
	}
	if slices.ContainsFunc(dep.Spec.Template.Spec.Containers[0].Args, func(a string) bool { return strings.HasPrefix(a, "--leader-election-id") }) {
		t.Error("leader election flags without leader election")
	}
}

// TestFetcherImage checks the init container image the chart gives the
// operator: the flink-fetch image of the operator's version unless named
// whole, never the operator's own image (which has no fetcher).
func TestFetcherImage(t *testing.T) {
	for _, c := range []struct {
		set  []string
		want string
	}{
		// The chart's default is the binaries' own default.
		{nil, renderer.DefaultFetcherImage},
		{[]string{"image.tag=v9.8.7"}, "ghcr.io/flinkops/flink-fetch:v9.8.7"},
		{[]string{"image.tag=v9.8.7", "fetcher.image.tag=v9.8.8"}, "ghcr.io/flinkops/flink-fetch:v9.8.8"},
		{[]string{"image.repository=registry.example.com/flink-operator", "fetcher.image.repository=registry.example.com/flink-fetch"},
			"registry.example.com/flink-fetch:" + chartAppVersion(t)},
		{[]string{"fetcher.image.digest=sha256:" + strings.Repeat("2", 64), "fetcher.image.tag=v1.0.0"},
			"ghcr.io/flinkops/flink-fetch@sha256:" + strings.Repeat("2", 64)},
		{[]string{"fetcherImage=registry.example.com/tools/fetch:1", "fetcher.image.tag=v1.0.0"}, "registry.example.com/tools/fetch:1"},
	} {
		objs, err := render(t, "t", nil, c.set...)
		if err != nil {
			t.Fatalf("--set %v: %v", c.set, err)
		}
		args := deploymentOf(t, objs).Spec.Template.Spec.Containers[0].Args
		if want := "--fetcher-image=" + c.want; !slices.Contains(args, want) {
			t.Errorf("--set %v: no flag %q in %q", c.set, want, args)
		}
	}
}

// chartAppVersion reads appVersion from Chart.yaml.
func chartAppVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(data, &chart); err != nil || chart.AppVersion == "" {
		t.Fatalf("read appVersion of Chart.yaml: %v", err)
	}
	return chart.AppVersion
}

// TestOperatorAcceptsTheChartsFlags parses the flags every values file
// gives the operator with the operator binary itself, so that a renamed
// or removed flag fails here rather than in a crash-looping pod.
func TestOperatorAcceptsTheChartsFlags(t *testing.T) {
	bin := operatorBinary(t)
	for _, f := range valuesFiles(t) {
		args := deploymentOf(t, mustRender(t, "t", f)).Spec.Template.Spec.Containers[0].Args
		// -h ends parsing after every flag before it was accepted: it
		// prints the usage and exits 0, while a flag the binary does not
		// know exits non-zero before -h is reached.
		out, err := exec.Command(bin, append(args, "-h")...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "usage: flink-operator") {
			t.Errorf("%s: flink-operator rejects the chart's flags %q (%v):\n%s", filepath.Base(f), args, err, out)
		}
	}
}

func deploymentOf(t *testing.T, objs []*unstructured.Unstructured) *appsv1.Deployment {
	t.Helper()
	deps := ofKind(objs, "Deployment")
	if len(deps) != 1 {
		t.Fatalf("want one Deployment, got %d", len(deps))
	}
	var dep appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(deps[0].Object, &dep); err != nil {
		t.Fatal(err)
	}
	return &dep
}

var (
	operatorOnce sync.Once
	operatorBin  string
	operatorErr  error
)

// operatorBinary builds cmd/flink-operator once per test run.
func operatorBinary(t *testing.T) string {
	t.Helper()
	operatorOnce.Do(func() {
		operatorBin = filepath.Join(binDir, "flink-operator")
		out, err := exec.Command("go", "build", "-o", operatorBin, "../cmd/flink-operator").CombinedOutput()
		if err != nil {
			operatorErr = fmt.Errorf("build flink-operator: %w\n%s", err, out)
		}
	})
	if operatorErr != nil {
		t.Fatal(operatorErr)
	}
	return operatorBin
}
