// Package objref names Kubernetes objects in errors, events and logs the one
// way this project does: Kind/namespace/name, the object first and then what
// was attempted on it ("FlinkDeployment/prod/orders: list JobManager pods:
// <cause>"). One formatter keeps the word order the same everywhere, so a
// user can grep for an object and find every message about it.
package objref

import "fmt"

// Object is what every Kubernetes object (typed or unstructured) has.
type Object interface {
	GetNamespace() string
	GetName() string
}

// Ref names one object.
type Ref struct {
	Kind, Namespace, Name string
}

// Of names obj as a kind. The kind is given, not read from obj, because
// typed objects read from a client carry no TypeMeta.
func Of(kind string, obj Object) Ref {
	return Ref{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// String is Kind/namespace/name; Kind/name for a cluster-scoped object.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Errorf is fmt.Errorf with the object in front: "Kind/ns/name: " + format.
// format says what was attempted, and %w wraps the cause as usual.
func (r Ref) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{r}, args...)...)
}
