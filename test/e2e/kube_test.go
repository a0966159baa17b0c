//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Timeouts of the waits. Everything is simulated, so these are generous
// bounds for a loaded 2-core machine, not expected durations.
const (
	deployTimeout  = 90 * time.Second * timeScale
	upgradeTimeout = 120 * time.Second * timeScale
	deleteTimeout  = 90 * time.Second * timeScale
	pollInterval   = 250 * time.Millisecond
)

func newClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	return c, nil
}

// kubectl runs kubectl against the dev cluster; stdin may be empty.
func kubectl(stdin string, args ...string) (string, error) {
	cmd := exec.Command(env.kubectl, append([]string{"--kubeconfig", env.kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

func mustKubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := kubectl(stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newNamespace creates a namespace of this run for one scenario, with the
// service account the examples run Flink as, and prints what happened in it
// when the scenario fails.
func newNamespace(t *testing.T, scenario string) string {
	t.Helper()
	ns := "e2e-" + env.runID + "-" + scenario
	mustKubectl(t, "", "create", "namespace", ns)
	mustKubectl(t, "", "label", "namespace", ns, runLabel+"="+env.runID)
	// The service account the examples run Flink as, with the Role the
	// chart gives it: real Flink in native mode creates its TaskManager
	// pods and HA ConfigMaps with it.
	rbac, err := exec.Command(env.helm, "template", "flink-operator", filepath.Join(repoRoot, "charts", "flink-operator"),
		"--namespace", ns, "--kube-version", env.kubeVersion, "--set", "watchNamespaces={"+ns+"}", "--show-only", "templates/job-serviceaccount.yaml").Output()
	if err != nil {
		t.Fatalf("helm template the job service account: %v", err)
	}
	mustKubectl(t, string(rbac), "apply", "-n", ns, "-f", "-")
	t.Cleanup(func() { dumpOnceIfFailed(t, ns) })
	return ns
}

// dumped remembers the namespaces already printed for a failure.
var dumped sync.Map

// dumpOnceIfFailed prints a namespace once, before a failed scenario
// deletes what would explain the failure.
func dumpOnceIfFailed(t *testing.T, ns string) {
	t.Helper()
	if t.Failed() {
		if _, done := dumped.LoadOrStore(ns, true); !done {
			dumpNamespace(t, ns)
		}
	}
}

// dumpNamespace prints the objects and events of a namespace, to see why a
// scenario failed. The operator log is printed once at the end of the run.
func dumpNamespace(t *testing.T, ns string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "\n===== namespace %s =====\n", ns)
	for _, args := range [][]string{
		{"get", "flinkdeployments,deployments,pods,services,configmaps", "-n", ns, "-o", "wide"},
		{"get", "flinkdeployments", "-n", ns, "-o", "yaml"},
		{"get", "events", "-n", ns, "--sort-by=.lastTimestamp"},
	} {
		out, err := kubectl("", args...)
		fmt.Fprintf(&b, "$ kubectl %s\n%s", strings.Join(args, " "), out)
		if err != nil {
			fmt.Fprintf(&b, "%v\n", err)
		}
	}
	if env.devjmURL != "" {
		out, err := getURL(env.devjmURL + "/_devjm/jobmanagers")
		fmt.Fprintf(&b, "$ GET %s/_devjm/jobmanagers\n%s%v\n", env.devjmURL, out, errOrEmpty(err))
	}
	t.Log(b.String())
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// example reads examples/<file> as a user's FlinkDeployment for this run:
// the namespace is left to kubectl -n and the run label is added, so that
// this run's operator reconciles it.
func example(t *testing.T, file string) (name string, manifest map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", file))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("examples/%s: %v", file, err)
	}
	u := unstructured.Unstructured{Object: manifest}
	u.SetNamespace("")
	labels := u.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[runLabel] = env.runID
	u.SetLabels(labels)
	return u.GetName(), u.Object
}

// apply applies a FlinkDeployment manifest with kubectl.
func apply(t *testing.T, ns string, manifest map[string]any) {
	t.Helper()
	data, err := yaml.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	mustKubectl(t, string(data), "apply", "-n", ns, "-f", "-")
}

// applyExample applies examples/<file> in ns and returns the resource name.
func applyExample(t *testing.T, ns, file string) string {
	t.Helper()
	name, manifest := example(t, file)
	apply(t, ns, manifest)
	return name
}

// patch merge-patches a FlinkDeployment, as `kubectl patch` would.
func patch(t *testing.T, ns, name, patchJSON string) {
	t.Helper()
	mustKubectl(t, "", "patch", "flinkdeployment", name, "-n", ns, "--type", "merge", "-p", patchJSON)
}

// printerColumns reads `kubectl get flinkdep <name>` as a user sees it:
// column header -> value (empty columns are "").
func printerColumns(ns, name string) (map[string]string, error) {
	out, err := kubectl("", "get", "flinkdep", name, "-n", ns)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("kubectl get flinkdep %s: want a header and one row, got:\n%s", name, out)
	}
	return parseTable(lines[0], lines[1]), nil
}

// parseTable splits a kubectl table row by the header's column offsets;
// headers are separated by at least two spaces, values may be empty.
func parseTable(header, row string) map[string]string {
	type col struct {
		name  string
		start int
	}
	var cols []col
	for i := 0; i < len(header); {
		for i < len(header) && header[i] == ' ' {
			i++
		}
		if i >= len(header) {
			break
		}
		start := i
		for i < len(header) && !(header[i] == ' ' && (i+1 >= len(header) || header[i+1] == ' ')) {
			i++
		}
		cols = append(cols, col{name: header[start:i], start: start})
	}
	out := map[string]string{}
	for k, c := range cols {
		end := len(row)
		if k+1 < len(cols) {
			end = min(cols[k+1].start, len(row))
		}
		if c.start < len(row) {
			out[c.name] = strings.TrimSpace(row[c.start:end])
		} else {
			out[c.name] = ""
		}
	}
	return out
}

// flinkDeployment reads a FlinkDeployment as JSON fields, the reference
// operator's names, which are what users and tools read.
func flinkDeployment(ctx context.Context, ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("flink.apache.org/v1beta1")
	u.SetKind("FlinkDeployment")
	err := env.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
	return u, err
}

// statusString reads status.<path>; "" when absent.
func statusString(u *unstructured.Unstructured, path ...string) string {
	v, _, _ := unstructured.NestedString(u.Object, append([]string{"status"}, path...)...)
	return v
}

// eventually polls check until it returns nil, failing the test with the
// last error after timeout (or at once when the operator died).
func eventually(t *testing.T, timeout time.Duration, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var last error
	for {
		if err := env.operator.running(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if last = check(ctx); last == nil {
			t.Logf("%s: after %s", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
		if stop, ok := last.(permanent); ok {
			t.Fatalf("%s: %v", what, stop.err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %s: %v", what, timeout, last)
		case <-time.After(pollInterval):
		}
	}
}

// permanent ends an eventually at once: waiting longer cannot help.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }

// waitReadyStable waits until `kubectl get flinkdep` shows the cluster
// STABLE (and its job RUNNING, for an application cluster) and its
// JobManager is READY.
func waitReadyStable(t *testing.T, ns, name string, application bool) *unstructured.Unstructured {
	t.Helper()
	var fd *unstructured.Unstructured
	eventually(t, deployTimeout, name+" READY and STABLE", func(ctx context.Context) error {
		cols, err := printerColumns(ns, name)
		if err != nil {
			return err
		}
		if cols["LIFECYCLE STATE"] != "STABLE" {
			return fmt.Errorf("printer columns %v, want LIFECYCLE STATE STABLE", cols)
		}
		if application && cols["JOB STATUS"] != "RUNNING" {
			return fmt.Errorf("printer columns %v, want JOB STATUS RUNNING", cols)
		}
		if fd, err = flinkDeployment(ctx, ns, name); err != nil {
			return err
		}
		if jm := statusString(fd, "jobManagerDeploymentStatus"); jm != "READY" {
			return fmt.Errorf("status.jobManagerDeploymentStatus %q, want READY", jm)
		}
		return nil
	})
	return fd
}

// pods lists the pods of a Flink cluster (Flink's app label), optionally
// of one component.
func pods(ctx context.Context, ns, name, component string) ([]corev1.Pod, error) {
	labels := client.MatchingLabels{"app": name}
	if component != "" {
		labels["component"] = component
	}
	list := &corev1.PodList{}
	if err := env.client.List(ctx, list, client.InNamespace(ns), labels); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// runningPods checks that want pods of component run and are Ready.
func runningPods(ctx context.Context, ns, name, component string, want int) error {
	list, err := pods(ctx, ns, name, component)
	if err != nil {
		return err
	}
	ready := 0
	for _, p := range list {
		if p.DeletionTimestamp.IsZero() && p.Status.Phase == corev1.PodRunning && podReady(&p) {
			ready++
		}
	}
	if ready != want || len(list) != want {
		return fmt.Errorf("%d %s pods, %d of them Running and Ready; want %d", len(list), component, ready, want)
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	if err := env.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
		return nil, fmt.Errorf("ConfigMap/%s/%s: get: %w", ns, name, err)
	}
	return cm, nil
}

// configMapData reads one key of a ConfigMap.
func configMapData(ctx context.Context, ns, name, key string) (string, error) {
	cm, err := configMap(ctx, ns, name)
	if err != nil {
		return "", err
	}
	return cm.Data[key], nil
}

// deleteAndVerify deletes a FlinkDeployment with kubectl and waits until it
// and everything of its cluster are gone: Deployments, Services,
// ConfigMaps (Flink's HA ConfigMaps too) and pods.
func deleteAndVerify(t *testing.T, ns, name string) {
	t.Helper()
	dumpOnceIfFailed(t, ns)
	mustKubectl(t, "", "delete", "flinkdeployment", name, "-n", ns, "--wait=false")
	eventually(t, deleteTimeout, name+" and its objects deleted", func(ctx context.Context) error {
		if _, err := flinkDeployment(ctx, ns, name); !apierrors.IsNotFound(err) {
			return fmt.Errorf("FlinkDeployment still there (err %v)", err)
		}
		sel := client.MatchingLabels{"app": name}
		var left []string
		for kind, list := range map[string]client.ObjectList{
			"Deployment": &appsv1.DeploymentList{}, "Service": &corev1.ServiceList{},
			"ConfigMap": &corev1.ConfigMapList{}, "Pod": &corev1.PodList{},
		} {
			if err := env.client.List(ctx, list, client.InNamespace(ns), sel); err != nil {
				return err
			}
			items, err := apimeta.ExtractList(list)
			if err != nil {
				return err
			}
			for _, o := range items {
				if m, err := apimeta.Accessor(o); err == nil {
					left = append(left, kind+"/"+m.GetName())
				}
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("still there: %s", strings.Join(left, ", "))
		}
		return nil
	})
}

// deleteRunNamespaces deletes the FlinkSessionJobs and FlinkDeployments of
// this run and waits for their finalizers, then deletes the run's
// namespaces.
func deleteRunNamespaces(ctx context.Context) error {
	sel := runLabel + "=" + env.runID
	// Session jobs first: a session's deletion waits for them.
	if _, err := kubectl("", "delete", "flinksessionjobs", "-A", "-l", sel, "--timeout=90s"); err != nil {
		return err
	}
	if _, err := kubectl("", "delete", "flinkdeployments", "-A", "-l", sel, "--timeout=90s"); err != nil {
		return err
	}
	_, err := kubectl("", "delete", "namespaces", "-l", sel, "--wait=false")
	return err
}
