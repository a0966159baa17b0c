package renderer

import (
	"os"
	"testing"

	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func loadExample(tb testing.TB, path string) *v1beta1.FlinkDeployment {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	docs, errs := decode.File(path, data)
	if len(errs) > 0 || len(docs) != 1 {
		tb.Fatalf("decode %s: %v", path, errs)
	}
	return docs[0].Object
}

// BenchmarkRenderBasic is the warm render of examples/basic.yaml; the
// target is a median of at most 1 ms (BENCHMARKS.md).
func BenchmarkRenderBasic(b *testing.B) {
	fd := loadExample(b, "../examples/basic.yaml")
	if _, err := Render(fd, RenderContext{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(fd, RenderContext{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderStandalone is the warm render of a standalone application
// cluster with Kubernetes HA and an Ingress (golden/standalone-*).
func BenchmarkRenderStandalone(b *testing.B) {
	fd := loadExample(b, "../golden/standalone-application-v2_2-ha/input.yaml")
	fd.Spec.Ingress = &v1beta1.IngressSpec{Template: "{{name}}.{{namespace}}.example.com"}
	if _, err := Render(fd, RenderContext{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(fd, RenderContext{}); err != nil {
			b.Fatal(err)
		}
	}
}
