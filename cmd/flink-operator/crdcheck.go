package main

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// crdName is the FlinkDeployment CRD, shared with the Apache operator.
const crdName = "flinkdeployments.flink.apache.org"

// crdRef names it in errors.
var crdRef = objref.Ref{Kind: "CustomResourceDefinition", Name: crdName}

// writeAheadFields are the status fields of this project that hold the
// write-ahead record of an upgrade. The API server prunes a field the
// installed CRD's schema does not declare, silently, from every status
// write: with the Apache operator's CRD still installed, the operator
// would write its record, read back nothing, and lose track of a
// savepoint or take-down in flight. sessionUpgrade is the session
// restart's record its session jobs wait on: pruned, a session with
// --session-jobs would announce its restart forever.
var writeAheadFields = []string{"upgrade", "deployedWith", "savepointTrigger", "highAvailability", "sessionUpgrade"}

// errCRDMissingFields is the start-up refusal; it says what to run.
type errCRDMissingFields struct {
	// missing: fields the API server would prune.
	missing []string
	// integerOnly: time fields an earlier release's CRD declares integer,
	// where this release writes RFC 3339 strings (v1beta1.Timestamp); the
	// API server would refuse every status write.
	integerOnly []string
}

func (e *errCRDMissingFields) Error() string {
	var what []string
	if len(e.missing) > 0 {
		what = append(what, fmt.Sprintf("its schema lacks %s, which this operator records an upgrade in; "+
			"the API server would silently drop them from every status write (is the Apache Flink operator's CRD still installed?)", strings.Join(e.missing, ", ")))
	}
	if len(e.integerOnly) > 0 {
		what = append(what, fmt.Sprintf("its schema allows only integers in %s, where this release writes RFC 3339 times; "+
			"the API server would refuse every status write (is an earlier release's CRD still installed?)", strings.Join(e.integerOnly, ", ")))
	}
	return fmt.Sprintf("check the installed CustomResourceDefinition %s: %s. "+
		"Refusing to start. Install this release's CRD, then restart the operator: "+
		"helm show crds <repo>/flink-operator --version <chart version> | kubectl apply --server-side --force-conflicts -f - "+
		"(or kubectl apply --server-side --force-conflicts -f charts/flink-operator/crds/%s.yaml from this release's source; "+
		"helm upgrade does not update CRDs)", crdName, strings.Join(what, "; and "), strings.ReplaceAll(crdName, ".", "_"))
}

// checkInstalledCRD reads the installed FlinkDeployment CRD and fails when
// the schema of its v1beta1 version would prune a write-ahead status field
// or one of their sub-fields. A CRD it may not read (RBAC of a
// namespaced install) is reported through warn, not refused.
func checkInstalledCRD(ctx context.Context, cfg *rest.Config, warn func(msg string)) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return crdRef.Errorf("create a client to check the installed definition: %w", err)
	}
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	if err := c.Get(ctx, client.ObjectKey{Name: crdName}, crd); err != nil {
		if apierrors.IsForbidden(err) {
			warn(fmt.Sprintf("cannot read CustomResourceDefinition %s to check its status schema (%v); grant get on it to check at start-up", crdName, err))
			return nil
		}
		return crdRef.Errorf("check the installed definition: %w", err)
	}
	status, err := statusSchema(crd)
	if err != nil {
		return err
	}
	missing := missingFields(status, requiredStatusFields())
	integerOnly := integerOnlyFields(status, timestampFields())
	if len(missing) > 0 || len(integerOnly) > 0 {
		return &errCRDMissingFields{missing: missing, integerOnly: integerOnly}
	}
	return nil
}

// timestampFields lists, as dotted paths under status, every
// v1beta1.Timestamp field in the write-ahead record, at any depth, from
// the Go types.
func timestampFields() []string {
	st := reflect.TypeOf(v1beta1.FlinkDeploymentStatus{})
	var out []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == reflect.TypeOf(v1beta1.Timestamp{}) {
			out = append(out, prefix)
			return
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			if j := jsonName(t.Field(i)); j != "" {
				walk(prefix+"."+j, t.Field(i).Type)
			}
		}
	}
	for _, name := range writeAheadFields {
		f, _ := fieldByJSON(st, name)
		walk(name, f.Type)
	}
	return out
}

// integerOnlyFields returns the paths whose declared schema is not
// int-or-string. Paths the schema does not declare are missingFields'
// concern (or kept by x-kubernetes-preserve-unknown-fields), not this one's.
func integerOnlyFields(status map[string]any, paths []string) []string {
	var out []string
	for _, path := range paths {
		node := status
		for _, part := range strings.Split(path, ".") {
			props, _ := node["properties"].(map[string]any)
			next, _ := props[part].(map[string]any)
			node = next
			if node == nil {
				break
			}
		}
		if node == nil {
			continue
		}
		if ios, _ := node["x-kubernetes-int-or-string"].(bool); !ios {
			out = append(out, "status."+path)
		}
	}
	return out
}

// statusSchema is the openAPIV3Schema of status in the CRD's v1beta1
// version.
func statusSchema(crd *unstructured.Unstructured) (map[string]any, error) {
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		version, _ := v.(map[string]any)
		if version["name"] != v1beta1.GroupVersion.Version {
			continue
		}
		status, found, _ := unstructured.NestedMap(version, "schema", "openAPIV3Schema", "properties", "status")
		if !found {
			return map[string]any{}, nil
		}
		return status, nil
	}
	return nil, crdRef.Errorf("check the installed definition: it has no version %s", v1beta1.GroupVersion.Version)
}

// requiredStatusFields lists the write-ahead fields and their direct
// sub-fields as dotted paths under status, from the Go types, so a field
// added to the record is checked without editing this list.
func requiredStatusFields() []string {
	st := reflect.TypeOf(v1beta1.FlinkDeploymentStatus{})
	var out []string
	for _, name := range writeAheadFields {
		out = append(out, name)
		f, ok := fieldByJSON(st, name)
		if !ok {
			panic("v1beta1.FlinkDeploymentStatus has no field " + name)
		}
		t := f.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for i := 0; i < t.NumField(); i++ {
			if j := jsonName(t.Field(i)); j != "" {
				out = append(out, name+"."+j)
			}
		}
	}
	return out
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if jsonName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// missingFields returns the paths of fields a structural schema would
// prune: not declared, and no x-kubernetes-preserve-unknown-fields at or
// above them.
func missingFields(status map[string]any, paths []string) []string {
	var missing []string
	for _, path := range paths {
		if parent, _, nested := strings.Cut(path, "."); nested && slices.Contains(missing, "status."+parent) {
			continue // reported with its parent
		}
		node := status
		for _, part := range strings.Split(path, ".") {
			if keep, _ := node["x-kubernetes-preserve-unknown-fields"].(bool); keep {
				break
			}
			props, _ := node["properties"].(map[string]any)
			next, ok := props[part].(map[string]any)
			if !ok {
				missing = append(missing, "status."+path)
				break
			}
			node = next
		}
	}
	return missing
}
