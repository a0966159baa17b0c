package reconciler

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// TestOnlyTheOperatorsOwnCreationIsIgnored: the creation of a child wakes
// the controller unless this operator's apply made it (the memo holds it
// at that resourceVersion, or the apply is still on its way); its changes
// and deletion always do.
func TestOnlyTheOperatorsOwnCreationIsIgnored(t *testing.T) {
	r := &Reconciler{}
	pred := r.notOwnCreation(deploymentGVK)
	dep := func(rv string) event.CreateEvent {
		return event.CreateEvent{Object: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "job", ResourceVersion: rv}}}
	}
	key := objectKey{gvk: deploymentGVK, namespace: "ns", name: "job"}
	if !pred.Create(dep("5")) {
		t.Error("a creation the operator knows nothing of (start-up, someone else) did not wake the controller")
	}
	done := r.memo.sending(key)
	if pred.Create(dep("5")) {
		t.Error("the creation of an apply on its way woke the controller")
	}
	r.memo.put(key, memoEntry{resourceVersion: "5"})
	done()
	if pred.Create(dep("5")) {
		t.Error("the creation the operator's apply answered with woke the controller")
	}
	if !pred.Create(dep("9")) {
		t.Error("a creation at another resourceVersion (someone re-created it) did not wake the controller")
	}
	old := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "job", ResourceVersion: "5"}}
	if !pred.Update(event.UpdateEvent{ObjectOld: old, ObjectNew: dep("6").Object}) || !pred.Delete(event.DeleteEvent{Object: old}) {
		t.Error("a change or deletion of the operator's own child did not wake the controller")
	}
}
