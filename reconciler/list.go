package reconciler

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// metaItems returns the items of a typed list as client.Objects.
func metaItems(list client.ObjectList) ([]client.Object, error) {
	raw, err := meta.ExtractList(list)
	if err != nil {
		return nil, fmt.Errorf("read %T: %w", list, err)
	}
	out := make([]client.Object, 0, len(raw))
	for _, o := range raw {
		obj, ok := o.(client.Object)
		if !ok {
			return nil, fmt.Errorf("%T item is not a client.Object", list)
		}
		out = append(out, obj)
	}
	return out, nil
}
