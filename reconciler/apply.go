package reconciler

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unique"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// objectKey identifies a child object.
type objectKey struct {
	gvk       schema.GroupVersionKind
	namespace string
	name      string
}

// keyOf returns a rendered object's key. Keys live as long as the memos,
// one per object of the fleet, so the kind and namespace strings are the
// shared canonical ones rather than copies from each render.
func keyOf(u *unstructured.Unstructured) objectKey {
	gvk := u.GroupVersionKind()
	if i := slices.Index(renderer.KindOrder, gvk); i >= 0 {
		gvk = renderer.KindOrder[i]
	}
	return objectKey{gvk: gvk, namespace: unique.Make(u.GetNamespace()).Value(), name: u.GetName()}
}

func (k objectKey) String() string {
	return objref.Ref{Kind: k.gvk.Kind, Namespace: k.namespace, Name: k.name}.String()
}

// applyMemo remembers, per child object, the hash of what was last applied
// and the resourceVersion the API server answered with. When the render
// gives the same hash and the cached object still has that resourceVersion,
// nobody has touched it and the apply is skipped: a no-op pass then costs
// no API request at all. Any change by anyone (kubectl set image, a
// deleted object) changes the resourceVersion, so the object is applied
// again and the drift is put back. The memo is only an optimisation: after a
// restart it is empty and every object is applied once.
type applyMemo struct {
	mu      sync.Mutex
	entries map[objectKey]memoEntry
	// inFlight counts the applies sent and not yet recorded, per object:
	// the watch event of a creation can overtake the apply's answer.
	inFlight map[objectKey]int
}

type memoEntry struct {
	hash            [sha256.Size]byte
	resourceVersion string
	// generation the apply left the object at (0 for kinds without one).
	generation int64
}

// vouchesFor reports whether the entry proves that the live object is the
// one last applied: the cache holds it at the resourceVersion that apply
// returned, so nobody has changed it since.
func (e memoEntry) vouchesFor(known bool, liveRV string) bool {
	return known && liveRV != "" && e.resourceVersion == liveRV
}

func (m *applyMemo) get(k objectKey) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[k]
	return e, ok
}

func (m *applyMemo) put(k objectKey, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[objectKey]memoEntry{}
	}
	m.entries[k] = e
}

// madeBy reports whether k at resourceVersion rv is this operator's own
// doing: the memo holds it at rv (as the last apply left it), or an apply
// of it is on its way and its answer not yet recorded.
func (m *applyMemo) madeBy(k objectKey, rv string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight[k] > 0 {
		return true
	}
	e, ok := m.entries[k]
	return ok && rv != "" && e.resourceVersion == rv
}

// sending marks an apply of k as on its way; the function it returns marks
// it answered (after put, when it succeeded).
func (m *applyMemo) sending(k objectKey) (done func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight == nil {
		m.inFlight = map[objectKey]int{}
	}
	m.inFlight[k]++
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.inFlight[k]--; m.inFlight[k] <= 0 {
			delete(m.inFlight, k)
		}
	}
}

func (m *applyMemo) forget(k objectKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, k)
}

// applyResult says what an apply pass did.
type applyResult struct {
	// Keys of every object given, applied or not.
	Keys []objectKey
	// Applied objects, and the ones among them whose live state had drifted.
	Applied, Drifted []objectKey
	// HeldBack are Deployments not applied because that would have
	// changed their pod template (guardPodTemplates).
	HeldBack []objectKey
}

// apply server-side-applies the rendered objects in order, each owned by the
// FlinkDeployment, skipping those the memo proves unchanged. With
// guardPodTemplates, an existing Deployment whose pod template the apply
// would change, which restarts its pods, is held back instead (see
// podTemplateChanges).
func (r *Reconciler) apply(ctx context.Context, fd *v1beta1.FlinkDeployment, objs []*unstructured.Unstructured, guardPodTemplates bool) (applyResult, error) {
	var res applyResult
	owner := metav1.OwnerReference{
		APIVersion:         v1beta1.GroupVersion.String(),
		Kind:               v1beta1.KindFlinkDeployment,
		Name:               fd.Name,
		UID:                fd.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
	for _, obj := range objs {
		obj = obj.DeepCopy()
		obj.SetOwnerReferences([]metav1.OwnerReference{owner})
		key := keyOf(obj)
		res.Keys = append(res.Keys, key)
		hash, err := objectHash(obj)
		if err != nil {
			return res, fmt.Errorf("%s: hash: %w", key, err)
		}
		liveRV, liveGen, err := r.cachedVersion(ctx, key)
		if err != nil {
			return res, err
		}
		memo, known := r.memo.get(key)
		if memo.hash == hash && memo.vouchesFor(known, liveRV) {
			continue
		}
		// A Deployment whose spec nobody changed since the same render was
		// applied (only its status moved) has its pod template still.
		specUntouched := known && memo.hash == hash && memo.generation != 0 && liveGen == memo.generation
		// A Deployment the cache does not hold may still exist: one another
		// operator made (adopt.go) is not labelled for the cache, and
		// podTemplateChanges asks the API server.
		if guardPodTemplates && key.gvk == deploymentGVK && !specUntouched {
			changes, err := r.podTemplateChanges(ctx, key, obj)
			if err != nil {
				return res, err
			}
			if changes {
				res.HeldBack = append(res.HeldBack, key)
				continue
			}
		}
		done := r.memo.sending(key)
		if err := r.applyOne(ctx, key, obj); err != nil {
			done()
			return res, err
		}
		res.Applied = append(res.Applied, key)
		// The same desired state applied over a changed object that the API
		// server then had to change back: that was drift. Objects with a
		// generation (Deployments, Ingresses) drifted when the apply changed
		// their spec; their resourceVersion also moves with every status
		// update, and the cache may not have seen the latest one yet.
		if known && memo.hash == hash && liveRV != "" {
			changed := obj.GetResourceVersion() != liveRV
			if obj.GetGeneration() != 0 {
				changed = obj.GetGeneration() != liveGen
			}
			if changed {
				res.Drifted = append(res.Drifted, key)
			}
		}
		r.memo.put(key, memoEntry{hash: hash, resourceVersion: obj.GetResourceVersion(), generation: obj.GetGeneration()})
		done()
	}
	return res, nil
}

// applyOne server-side-applies one object. A Service whose cluster IP has
// to change (kubernetes.rest-service.exposed.type to or from
// Headless_ClusterIP) cannot be updated in place: it is deleted and
// created again. Services hold no state, and clients resolve them anew.
func (r *Reconciler) applyOne(ctx context.Context, key objectKey, obj *unstructured.Unstructured) error {
	if err := beforeSideEffect(ctx); err != nil {
		return err
	}
	apply := func() error {
		return r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(FieldManager), client.ForceOwnership)
	}
	err := apply()
	if err != nil && otherController(err) {
		// Made by Flink's native client for another operator, and
		// controlled by the JobManager Deployment (adopt.go).
		if rerr := r.releaseFromOtherController(ctx, key, obj); rerr != nil {
			return rerr
		}
		err = apply()
	}
	if err != nil && key.gvk.Kind == "Service" && key.gvk.Group == "" && clusterIPImmutable(err) {
		log.FromContext(ctx).Info("recreating Service: its cluster IP cannot change in place", "service", key.String())
		svc := &metav1.PartialObjectMetadata{}
		svc.SetGroupVersionKind(key.gvk)
		svc.SetNamespace(key.namespace)
		svc.SetName(key.name)
		if derr := r.Client.Delete(ctx, svc); derr != nil && !apierrors.IsNotFound(derr) {
			return fmt.Errorf("%s: delete to recreate with a new cluster IP: %w", key, derr)
		}
		r.memo.forget(key)
		err = apply()
	}
	if err != nil {
		return fmt.Errorf("%s: apply: %w", key, err)
	}
	return nil
}

// clusterIPImmutable reports whether the API server refused an update
// because it would change a Service's cluster IP.
func clusterIPImmutable(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, cause := range status.Status().Details.Causes {
		if strings.HasPrefix(cause.Field, "spec.clusterIP") {
			return true
		}
	}
	return false
}

// cachedVersion reads an object's resourceVersion and generation from the
// informer cache ("" when absent). It uses the typed object so it shares the
// informer the watches already run.
func (r *Reconciler) cachedVersion(ctx context.Context, key objectKey) (string, int64, error) {
	obj, err := r.newObject(key.gvk)
	if err != nil {
		return "", 0, err
	}
	err = r.Client.Get(ctx, client.ObjectKey{Namespace: key.namespace, Name: key.name}, obj)
	if apierrors.IsNotFound(err) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("%s: get: %w", key, err)
	}
	return obj.GetResourceVersion(), obj.GetGeneration(), nil
}

func (r *Reconciler) newObject(gvk schema.GroupVersionKind) (client.Object, error) {
	if !typedChildren[gvk] {
		return metadataOnly(gvk), nil
	}
	o, err := r.Scheme.New(gvk)
	if err != nil {
		return nil, fmt.Errorf("%s is not registered in the scheme: %w", gvk, err)
	}
	obj, ok := o.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%s is not a client.Object", gvk)
	}
	return obj, nil
}

func objectHash(u *unstructured.Unstructured) ([sha256.Size]byte, error) {
	b, err := json.Marshal(u.Object)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// prune deletes the cluster's objects that the current render no longer
// contains: an Ingress removed from the spec, everything of a suspended job.
// Only objects labelled as this cluster's and owned by this very
// FlinkDeployment (same UID) are candidates.
func (r *Reconciler) prune(ctx context.Context, fd *v1beta1.FlinkDeployment, keep []*unstructured.Unstructured) ([]objectKey, error) {
	wanted := map[objectKey]bool{}
	for _, o := range keep {
		wanted[keyOf(o)] = true
	}
	owned, err := r.ownedObjects(ctx, fd)
	if err != nil {
		return nil, err
	}
	var deleted []objectKey
	for _, obj := range owned {
		key := objectKey{gvk: obj.GetObjectKind().GroupVersionKind(), namespace: obj.GetNamespace(), name: obj.GetName()}
		if wanted[key] {
			continue
		}
		if err := beforeSideEffect(ctx); err != nil {
			return deleted, err
		}
		if err := r.Client.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
			return deleted, fmt.Errorf("%s: prune: %w", key, err)
		}
		r.memo.forget(key)
		deleted = append(deleted, key)
	}
	return deleted, nil
}

// ownedObjects lists, over every kind the renderer can emit, the objects
// labelled as this cluster's and owned by this FlinkDeployment.
func (r *Reconciler) ownedObjects(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]client.Object, error) {
	var out []client.Object
	for _, gvk := range renderer.KindOrder {
		list, err := r.newList(gvk)
		if err != nil {
			return nil, err
		}
		if err := r.Client.List(ctx, list, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: clusterSelector(fd.Name)}); err != nil {
			return nil, objref.Of("FlinkDeployment", fd).Errorf("list %ss: %w", gvk.Kind, err)
		}
		items, err := metaItems(list)
		if err != nil {
			return nil, err
		}
		for _, obj := range items {
			if ownedBy(obj, fd.UID) {
				obj.GetObjectKind().SetGroupVersionKind(gvk)
				out = append(out, obj)
			}
		}
	}
	return out, nil
}

func ownedBy(obj client.Object, uid types.UID) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}

// newList returns an empty list of a child kind, typed or metadata-only to
// match the informer the cache holds for it.
func (r *Reconciler) newList(gvk schema.GroupVersionKind) (client.ObjectList, error) {
	listGVK := gvk
	listGVK.Kind += "List"
	if !typedChildren[gvk] {
		l := &metav1.PartialObjectMetadataList{}
		l.SetGroupVersionKind(listGVK)
		return l, nil
	}
	l, err := r.Scheme.New(listGVK)
	if err != nil {
		return nil, fmt.Errorf("%s is not registered in the scheme: %w", listGVK, err)
	}
	return l.(client.ObjectList), nil
}
