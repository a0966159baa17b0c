package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The API server's floor (issue 23, part 2): how long the API server takes
// to accept the writes that converging N FlinkDeployments needs, made with
// the operator's own client settings (controller-runtime's: no client-side
// rate limit) and parallelism (4, its chart's default). The writes are the
// objects this operator wrote when it converged the same N CRs, copied
// into fresh namespaces: one server-side apply per child object (same
// kinds, same content, so the same sizes) and one status write per CR, the
// status it wrote.

// floorParallelism is this operator's chart default for
// --max-concurrent-reconciles.
const floorParallelism = 4

// floorCR is one converged FlinkDeployment's writes.
type floorCR struct {
	nsIndex  int // which of the run's namespaces it is in
	name     string
	spec     map[string]any
	status   map[string]any
	children []*unstructured.Unstructured
}

var childKinds = []schema.GroupVersionKind{
	corev1.SchemeGroupVersion.WithKind("ConfigMap"),
	corev1.SchemeGroupVersion.WithKind("Service"),
	appsv1.SchemeGroupVersion.WithKind("Deployment"),
}

// captureWrites reads what this operator wrote in namespaces: each CR's
// status and its children, stripped of what the API server sets.
func (v *vsApache) captureWrites(tb testing.TB, namespaces []string) []*floorCR {
	ctx := context.Background()
	var out []*floorCR
	for nsIndex, ns := range namespaces {
		byName := map[string]*floorCR{}
		crs := &unstructured.UnstructuredList{}
		crs.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("FlinkDeploymentList"))
		if err := v.k8s.List(ctx, crs, client.InNamespace(ns)); err != nil {
			tb.Fatalf("list FlinkDeployments in %s: %v", ns, err)
		}
		for _, cr := range crs.Items {
			spec, _, _ := unstructured.NestedMap(cr.Object, "spec")
			status, _, _ := unstructured.NestedMap(cr.Object, "status")
			f := &floorCR{nsIndex: nsIndex, name: cr.GetName(), spec: spec, status: status}
			byName[f.name] = f
			out = append(out, f)
		}
		for _, gvk := range childKinds {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := v.k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: reconciler.ManagedSelector()}); err != nil {
				tb.Fatalf("list %ss in %s: %v", gvk.Kind, ns, err)
			}
			for i := range list.Items {
				obj := &list.Items[i]
				owner := ""
				for _, ref := range obj.GetOwnerReferences() {
					if ref.Kind == "FlinkDeployment" {
						owner = ref.Name
					}
				}
				f := byName[owner]
				if f == nil {
					tb.Fatalf("%s %s/%s has no FlinkDeployment owner in %s", gvk.Kind, ns, obj.GetName(), ns)
				}
				obj.SetGroupVersionKind(gvk)
				f.children = append(f.children, stripServerFields(obj))
			}
		}
	}
	return out
}

// stripServerFields keeps what a client applies: no status, no fields the
// API server sets, and no allocated Service IPs (the copy gets its own).
func stripServerFields(obj *unstructured.Unstructured) *unstructured.Unstructured {
	obj = obj.DeepCopy()
	for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"} {
		unstructured.RemoveNestedField(obj.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(obj.Object, "status")
	if obj.GetKind() == "Service" {
		if ip, _, _ := unstructured.NestedString(obj.Object, "spec", "clusterIP"); ip != "None" {
			unstructured.RemoveNestedField(obj.Object, "spec", "clusterIP")
			unstructured.RemoveNestedField(obj.Object, "spec", "clusterIPs")
		}
	}
	return obj
}

// floorResult is the floor for one N.
type floorResult struct {
	elapsed  time.Duration
	applies  int
	statuses int
}

// floor times the API server accepting the writes this operator made to
// converge the CRs in from, copied into fresh namespaces. The CRs there
// are created first, untimed: the operator's clock starts when the first
// CR is created too, but its writes are not the creates.
func (v *vsApache) floor(tb testing.TB, n int, from []string) floorResult {
	ctx := context.Background()
	crs := v.captureWrites(tb, from)
	if len(crs) != n {
		tb.Fatalf("the floor needs the %d FlinkDeployments this operator converged; found %d", n, len(crs))
	}
	scheme := runtime.NewScheme()
	c, err := client.New(floorConfig(v.env.Config), client.Options{Scheme: scheme})
	if err != nil {
		tb.Fatalf("create the floor's client: %v", err)
	}
	type job struct {
		cr   *floorCR
		live *unstructured.Unstructured
	}
	var jobs []job
	for i := range from {
		ns := fmt.Sprintf("floor-n%d-%d", n, i)
		if err := v.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			tb.Fatalf("create namespace %s: %v", ns, err)
		}
	}
	for _, f := range crs {
		ns := fmt.Sprintf("floor-n%d-%d", n, f.nsIndex)
		cr := &unstructured.Unstructured{Object: map[string]any{"spec": f.spec}}
		cr.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("FlinkDeployment"))
		cr.SetNamespace(ns)
		cr.SetName(f.name)
		if err := v.k8s.Create(ctx, cr); err != nil {
			tb.Fatalf("create FlinkDeployment %s/%s for the floor: %v", ns, f.name, err)
		}
		jobs = append(jobs, job{cr: f, live: cr})
	}
	work := make(chan job)
	errs := make(chan error, len(jobs))
	var wg sync.WaitGroup
	var res floorResult
	var mu sync.Mutex
	start := time.Now()
	for range floorParallelism {
		wg.Go(func() {
			for j := range work {
				applies, err := floorWrite(ctx, c, j.cr, j.live)
				mu.Lock()
				res.applies += applies
				if err == nil {
					res.statuses++
				}
				mu.Unlock()
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	res.elapsed = time.Since(start)
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	return res
}

// floorWrite makes one CR's writes: a server-side apply of each child,
// owned by the copy of the CR, then its status.
func floorWrite(ctx context.Context, c client.Client, f *floorCR, live *unstructured.Unstructured) (int, error) {
	applies := 0
	for _, child := range f.children {
		obj := child.DeepCopy()
		obj.SetNamespace(live.GetNamespace())
		refs := obj.GetOwnerReferences()
		for i := range refs {
			if refs[i].Kind == "FlinkDeployment" {
				refs[i].UID = live.GetUID()
			}
		}
		obj.SetOwnerReferences(refs)
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(reconciler.FieldManager), client.ForceOwnership); err != nil {
			return applies, fmt.Errorf("apply %s %s/%s for the floor: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
		applies++
	}
	original := live.DeepCopy()
	withStatus := live.DeepCopy()
	if err := unstructured.SetNestedMap(withStatus.Object, f.status, "status"); err != nil {
		return applies, fmt.Errorf("set the status of FlinkDeployment %s/%s for the floor: %w", live.GetNamespace(), live.GetName(), err)
	}
	if err := c.Status().Patch(ctx, withStatus, client.MergeFromWithOptions(original, client.MergeFromWithOptimisticLock{})); err != nil {
		return applies, fmt.Errorf("write the status of FlinkDeployment %s/%s for the floor: %w", live.GetNamespace(), live.GetName(), err)
	}
	return applies, nil
}
