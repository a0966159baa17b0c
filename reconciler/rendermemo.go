package reconciler

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// renderMemo remembers, per FlinkDeployment, a digest of everything its
// last render read and the keys of the objects that render gave, once those
// objects were all applied and the leftovers pruned. A pass with the same
// digest whose objects the apply memo proves untouched would render the
// same objects and then skip every apply, so it skips the render too:
// rendering is most of the cost of a no-op pass (about 1 ms of CPU and
// 0.8 MB of garbage), and a fleet makes many of those (every progress check
// of a starting cluster, every resync).
//
// Skipping is only an optimisation and needs no invalidation of its own:
// Render is a pure function of the digested inputs, and any change to a
// child (an edit, a deletion, an operator's own take-down, which forgets the
// apply memo entries) fails the untouched check and brings back the full
// render and apply. After a restart the memo is empty.
type renderMemo struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]renderMemoEntry
}

type renderMemoEntry struct {
	inputs  [sha256.Size]byte
	objects []objectKey
}

func (m *renderMemo) get(k types.NamespacedName) (renderMemoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[k]
	return e, ok
}

func (m *renderMemo) put(k types.NamespacedName, e renderMemoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[types.NamespacedName]renderMemoEntry{}
	}
	m.entries[k] = e
}

func (m *renderMemo) forget(k types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, k)
}

// renderInputs digests what renderer.Render reads of a FlinkDeployment
// (name, namespace, labels and spec) and its context, plus the UID, which
// apply writes into every object's owner reference.
func renderInputs(target *v1beta1.FlinkDeployment, rc renderer.RenderContext) ([sha256.Size]byte, error) {
	b, err := json.Marshal(struct {
		Name      string                       `json:"name"`
		Namespace string                       `json:"namespace"`
		UID       types.UID                    `json:"uid"`
		Labels    map[string]string            `json:"labels"`
		Spec      *v1beta1.FlinkDeploymentSpec `json:"spec"`
		Context   renderer.RenderContext       `json:"context"`
	}{target.Name, target.Namespace, target.UID, target.Labels, &target.Spec, rc})
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// renderedAndUntouched reports whether the FlinkDeployment's last render
// had these inputs and the apply memo still vouches for every object it
// gave: the full pass would change nothing.
func (r *Reconciler) renderedAndUntouched(ctx context.Context, fd types.NamespacedName, inputs [sha256.Size]byte) (bool, error) {
	last, ok := r.renders.get(fd)
	if !ok || last.inputs != inputs {
		return false, nil
	}
	for _, key := range last.objects {
		liveRV, _, err := r.cachedVersion(ctx, key)
		if err != nil {
			return false, err
		}
		memo, known := r.memo.get(key)
		if !memo.vouchesFor(known, liveRV) {
			return false, nil
		}
	}
	return true, nil
}
