package reconciler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// rawFD reads a FlinkDeployment as the API server stores and serves it,
// untyped, as `kubectl get -o json` shows it.
func rawFD(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("FlinkDeployment"))
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u))
	return u
}

// printedColumns reads a FlinkDeployment as `kubectl get flinkdep` does: the
// API server's Table rendering of the CRD's printer columns, by name.
func printedColumns(t *testing.T, ns, name string) map[string]string {
	t.Helper()
	cfg := rest.CopyConfig(restConfig)
	cfg.GroupVersion = &schema.GroupVersion{Group: v1beta1.GroupVersion.Group, Version: v1beta1.GroupVersion.Version}
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion() // the body is read raw
	rc, err := rest.RESTClientFor(cfg)
	require.NoError(t, err)
	body, err := rc.Get().Namespace(ns).Resource("flinkdeployments").Name(name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(context.Background())
	require.NoError(t, err)
	var table metav1.Table
	require.NoError(t, json.Unmarshal(body, &table))
	require.Len(t, table.Rows, 1)
	out := map[string]string{}
	for i, col := range table.ColumnDefinitions {
		if v := table.Rows[0].Cells[i]; v != nil {
			out[col.Name] = fmt.Sprint(v)
		}
	}
	return out
}
