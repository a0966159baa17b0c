package renderer

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// KindOrder is the apply order of every kind the renderer can emit:
// configuration before the Services and workloads that use it, Ingress
// last. The operator prunes over exactly these kinds.
var KindOrder = []schema.GroupVersionKind{
	{Version: "v1", Kind: "ConfigMap"},
	{Version: "v1", Kind: "Service"},
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
}

func kindRank(u *unstructured.Unstructured) int {
	gvk := u.GroupVersionKind()
	for i, k := range KindOrder {
		if k == gvk {
			return i
		}
	}
	return len(KindOrder)
}

// sortObjects orders objects by KindOrder, then by name, so output never
// depends on template field order.
func sortObjects(objs []*unstructured.Unstructured) {
	sort.SliceStable(objs, func(i, j int) bool {
		ri, rj := kindRank(objs[i]), kindRank(objs[j])
		if ri != rj {
			return ri < rj
		}
		return objs[i].GetName() < objs[j].GetName()
	})
}
