//go:build e2e && !realflink

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestAdoptFromApacheOperator moves running clusters from the Apache Flink
// Kubernetes Operator to this one (docs/migration.md). Each starts as the
// reference operator leaves it: its finalizer and status on the
// FlinkDeployment, the cluster objects Flink's native client (native
// mode) or the reference's standalone client made, with Flink's labels
// only, and a RUNNING job on the dev cluster's fake JobManager. Then this
// operator takes it over:
//
//   - native and standalone, pod templates as this operator renders them:
//     the JobManager keeps running (same pod, same job), and nothing is
//     savepointed;
//   - native, a JobManager pod the reference rendered differently: the
//     restart is unavoidable, and the job is stopped with a savepoint
//     before the JobManager is replaced, and restored from it.
//
// In each case status.deployedWith records the job id from REST and the
// restore path from the reference's status, and the reference's finalizer
// is gone while this operator's is there.
//
// The FlinkDeployments are created with this project's CRD, their status
// written through its status subresource in the reference's format. The
// reference's CRD is not installed: the dev cluster's CRD is shared by
// every test running in parallel, and the operator refuses to start on
// the reference's CRD (its status schema would prune the write-ahead
// record; cmd/flink-operator/crdcheck_test.go tests that refusal). What
// the reference leaves in a FlinkDeployment (finalizer, status) is the
// same either way, since its status fields are part of this CRD.
//
// "Start this operator" is, for each FlinkDeployment, adding the run's
// label that the suite's operator selects (--label-selector): until then
// the operator does not see it, as if it were not running.
func TestAdoptFromApacheOperator(t *testing.T) {
	for _, c := range []struct {
		name, mode string
		differ     bool
	}{
		{"native", "native", false},
		{"standalone", "standalone", false},
		{"restart", "native", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			adoptScenario(t, "adopt-"+c.name, c.mode, c.differ)
		})
	}
}

const (
	apacheFinalizer   = "flinkdeployments.flink.apache.org/finalizer"
	apacheJobID       = "0123456789abcdef0123456789abcdef"
	apacheRestorePath = "file:/flink-data/savepoints/savepoint-012345-0123456789ab"
)

func adoptScenario(t *testing.T, scenario, mode string, differ bool) {
	ns := newNamespace(t, scenario)
	name, manifest := example(t, "savepoint-upgrade.yaml")
	u := unstructured.Unstructured{Object: manifest}
	u.SetLabels(withoutKey(u.GetLabels(), runLabel)) // not this operator's yet
	u.SetFinalizers([]string{apacheFinalizer})
	if mode == "standalone" {
		if err := unstructured.SetNestedField(u.Object, "standalone", "spec", "mode"); err != nil {
			t.Fatal(err)
		}
	}
	apply(t, ns, u.Object)
	ctx := context.Background()

	fd := &v1beta1.FlinkDeployment{}
	live, err := flinkDeployment(ctx, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(live.Object, fd); err != nil {
		t.Fatal(err)
	}
	createReferenceCluster(t, fd, differ)
	writeReferenceStatus(t, live, fd)

	var before *jobManagerSeen
	eventually(t, deployTimeout, "the reference's job RUNNING on the fake JobManager", func(ctx context.Context) error {
		jm, err := jobManager(ns, name)
		if err != nil {
			return err
		}
		if state, err := jobState(ns, name, jm.JobID); err != nil || state != "RUNNING" {
			return fmt.Errorf("job %s: %s %v", jm.JobID, state, err)
		}
		dep := &appsv1.Deployment{}
		if err := env.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep); err != nil {
			return err
		}
		before = &jobManagerSeen{pod: string(jm.PodUID), job: jm.JobID, generation: dep.Generation, uid: string(dep.UID)}
		return nil
	})
	if before.job != apacheJobID {
		t.Fatalf("the reference's job runs as %s, want %s", before.job, apacheJobID)
	}

	// This operator starts on it.
	mustKubectl(t, "", "label", "flinkdeployment", name, "-n", ns, runLabel+"="+env.runID)

	if !differ {
		eventually(t, upgradeTimeout, "adopted without a restart", func(ctx context.Context) error {
			return adoptedAsRunning(ctx, ns, name, before, apacheRestorePath)
		})
		// And it stays so: the passes the take-over itself triggers (the
		// Deployment changed) leave the JobManager alone.
		time.Sleep(5 * time.Second)
		eventually(t, deployTimeout, "still the same JobManager 5s later", func(ctx context.Context) error {
			return adoptedAsRunning(ctx, ns, name, before, apacheRestorePath)
		})
	} else {
		savepoint := waitSavepointAndNewJobManager(t, ns, name, before.podUID())
		if savepoint == apacheRestorePath {
			t.Fatalf("no upgrade savepoint: status still names the reference's %s", savepoint)
		}
		waitReadyStable(t, ns, name, true)
		after, err := jobManager(ns, name)
		if err != nil {
			t.Fatal(err)
		}
		checkRestoredFromSavepoint(t, ns, name, after.JobID, savepoint)
		eventually(t, deployTimeout, "adopted: deployedWith and finalizers", func(ctx context.Context) error {
			fd, err := flinkDeployment(ctx, ns, name)
			if err != nil {
				return err
			}
			if got := statusString(fd, "deployedWith", "restorePath"); got != savepoint {
				return fmt.Errorf("status.deployedWith.restorePath %q, want the upgrade savepoint %s", got, savepoint)
			}
			return finalizersSwapped(fd)
		})
	}
	deleteAndVerify(t, ns, name)
}

// jobManagerSeen is the reference's running JobManager.
type jobManagerSeen struct {
	pod, job, uid string
	generation    int64
}

func (j *jobManagerSeen) podUID() types.UID { return types.UID(j.pod) }

// adoptedAsRunning: STABLE and RUNNING under this operator, on the very
// JobManager pod and job the reference started, with deployedWith and the
// finalizers as adoption leaves them.
func adoptedAsRunning(ctx context.Context, ns, name string, before *jobManagerSeen, restorePath string) error {
	fd, err := flinkDeployment(ctx, ns, name)
	if err != nil {
		return err
	}
	jm, err := jobManager(ns, name)
	if err != nil {
		return err
	}
	dep := &appsv1.Deployment{}
	if err := env.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep); err != nil {
		return err
	}
	switch {
	case string(jm.PodUID) != before.pod || jm.JobID != before.job:
		return permanent{fmt.Errorf("the JobManager was restarted: pod %s job %s, was pod %s job %s", jm.PodUID, jm.JobID, before.pod, before.job)}
	case string(dep.UID) != before.uid || dep.Generation != before.generation:
		return permanent{fmt.Errorf("the JobManager Deployment was replaced or its pod template changed (generation %d, was %d)", dep.Generation, before.generation)}
	case dep.Labels["app.kubernetes.io/managed-by"] != "flink-operator":
		return fmt.Errorf("the JobManager Deployment is not taken over yet (labels %v)", dep.Labels)
	case statusString(fd, "lifecycleState") != "STABLE" || statusString(fd, "jobStatus", "state") != "RUNNING":
		return fmt.Errorf("lifecycleState %q job %q, error %q", statusString(fd, "lifecycleState"), statusString(fd, "jobStatus", "state"), statusString(fd, "error"))
	case statusString(fd, "deployedWith", "jobId") != before.job:
		return fmt.Errorf("status.deployedWith %v, want jobId %s", fd.Object["status"].(map[string]any)["deployedWith"], before.job)
	case statusString(fd, "deployedWith", "restorePath") != restorePath:
		return fmt.Errorf("status.deployedWith.restorePath %q, want %s", statusString(fd, "deployedWith", "restorePath"), restorePath)
	}
	if fd.GetLabels()[runLabel] == "" {
		return permanent{fmt.Errorf("run label gone")}
	}
	return finalizersSwapped(fd)
}

func finalizersSwapped(fd *unstructured.Unstructured) error {
	fins := fd.GetFinalizers()
	if slices.Contains(fins, apacheFinalizer) || !slices.Contains(fins, "flink.apache.org/finalizer") {
		return fmt.Errorf("finalizers %v, want flink.apache.org/finalizer and not %s", fins, apacheFinalizer)
	}
	return nil
}

// createReferenceCluster creates what Flink's client made for the
// reference operator: the objects this operator renders for the same spec
// (the golden files check them against Flink's decorators), started with
// apacheJobID from apacheRestorePath, without this operator's label; the
// Deployments owned by the FlinkDeployment without being controlled by it
// (the reference sets controller=false), the other objects controlled by
// the JobManager Deployment. With differ, the JobManager's pod is not
// quite what this operator renders (another CPU limit).
func createReferenceCluster(t *testing.T, fd *v1beta1.FlinkDeployment, differ bool) {
	t.Helper()
	ctx := context.Background()
	deployed := fd.DeepCopy()
	deployed.Default()
	res, err := renderer.Render(deployed, renderer.RenderContext{JobID: apacheJobID, RestorePath: apacheRestorePath})
	if err != nil {
		t.Fatal(err)
	}
	var jm *appsv1.Deployment
	var others []*unstructured.Unstructured
	for _, obj := range res.Objects {
		obj = obj.DeepCopy()
		obj.SetLabels(withoutKey(obj.GetLabels(), "app.kubernetes.io/managed-by"))
		if obj.GetKind() != "Deployment" {
			others = append(others, obj)
			continue
		}
		obj.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: v1beta1.GroupVersion.String(), Kind: "FlinkDeployment",
			Name: fd.Name, UID: fd.UID, Controller: ptr.To(false), BlockOwnerDeletion: ptr.To(true)}})
		dep := &appsv1.Deployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, dep); err != nil {
			t.Fatal(err)
		}
		if dep.Name == fd.Name && differ {
			dep.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU] = resource.MustParse("2")
		}
		if err := env.client.Create(ctx, dep, client.FieldOwner("fabric8-kubernetes-client")); err != nil {
			t.Fatal(err)
		}
		if dep.Name == fd.Name {
			jm = dep
		}
	}
	if jm == nil {
		t.Fatal("the render has no JobManager Deployment")
	}
	for _, obj := range others {
		obj.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment",
			Name: jm.Name, UID: jm.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}})
		if err := env.client.Create(ctx, obj, client.FieldOwner("fabric8-kubernetes-client")); err != nil {
			t.Fatal(err)
		}
	}
}

// writeReferenceStatus writes the status the reference operator leaves on
// a STABLE, RUNNING job last upgraded from apacheRestorePath: its
// lastReconciledSpec format (Jackson writes unset fields as null), and
// savepoint info with trigger type UPGRADE.
func writeReferenceStatus(t *testing.T, live *unstructured.Unstructured, fd *v1beta1.FlinkDeployment) {
	t.Helper()
	deployed := fd.DeepCopy()
	deployed.Default()
	spec, err := json.Marshal(deployed.Spec)
	if err != nil {
		t.Fatal(err)
	}
	withNulls := strings.Replace(string(spec), `"job":{`, `"job":{"entryClass":null,"args":[],"savepointTriggerNonce":null,"allowNonRestoredState":null,`, 1)
	reconciled := fmt.Sprintf(`{"spec":%s,"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","metadata":{"generation":%d},"firstDeployment":false}}`, withNulls, fd.Generation)
	savepoint := map[string]any{"timeStamp": int64(1764989990000), "location": apacheRestorePath, "triggerType": "UPGRADE", "formatType": "CANONICAL"}
	status := map[string]any{
		"jobStatus": map[string]any{"jobName": fd.Name, "jobId": apacheJobID, "state": "RUNNING", "startTime": "1764990000000", "updateTime": "1764990100000",
			"upgradeSavepointPath": apacheRestorePath,
			"savepointInfo":        map[string]any{"lastSavepoint": savepoint, "savepointHistory": []any{savepoint}}},
		"observedGeneration":         fd.Generation,
		"lifecycleState":             "STABLE",
		"jobManagerDeploymentStatus": "READY",
		"clusterInfo":                map[string]any{"flink-version": "2.2.0"},
		"reconciliationStatus": map[string]any{"reconciliationTimestamp": int64(1764990000000), "state": "DEPLOYED",
			"lastReconciledSpec": reconciled, "lastStableSpec": reconciled},
	}
	live = live.DeepCopy()
	live.Object["status"] = status
	if err := env.client.Status().Update(context.Background(), live); err != nil {
		t.Fatalf("write the reference's status: %v", err)
	}
}

func withoutKey(m map[string]string, key string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}
