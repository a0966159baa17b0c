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

// benchRender measures warm renders of fd; the first render (template
// build) happens before the timer.
func benchRender(b *testing.B, fd *v1beta1.FlinkDeployment) {
	b.Helper()
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

// BenchmarkRenderBasic is the warm render of examples/basic.yaml
// (BENCHMARKS.md, "Render").
func BenchmarkRenderBasic(b *testing.B) {
	fd := loadExample(b, "../examples/basic.yaml")
	benchRender(b, fd)
}

// BenchmarkRenderStandalone is the warm render of a standalone application
// cluster with Kubernetes HA and an Ingress (golden/standalone-*).
func BenchmarkRenderStandalone(b *testing.B) {
	fd := loadExample(b, "../golden/standalone-application-v2_2-ha/input.yaml")
	fd.Spec.Ingress = &v1beta1.IngressSpec{Template: "{{name}}.{{namespace}}.example.com"}
	benchRender(b, fd)
}

// BenchmarkRenderNative is the warm render of a native application cluster
// with Kubernetes HA, program arguments and an Ingress
// (golden/native-application-v1_20-ha).
func BenchmarkRenderNative(b *testing.B) {
	benchRender(b, productionLikeNative(b))
}

// productionLikeNative is the spec of BenchmarkRenderNative, which the
// floor benchmarks (floor_bench_test.go) split.
func productionLikeNative(tb testing.TB) *v1beta1.FlinkDeployment {
	tb.Helper()
	fd := loadExample(tb, "../golden/native-application-v1_20-ha/input.yaml")
	fd.Spec.Ingress = &v1beta1.IngressSpec{Template: "{{name}}.{{namespace}}.example.com"}
	return fd
}

// BenchmarkRenderPerKey renders examples/basic.yaml through every template
// key (mode × flinkVersion), so a template or CUE change that slows one key
// shows up (BENCHMARKS.md).
func BenchmarkRenderPerKey(b *testing.B) {
	base := loadExample(b, "../examples/basic.yaml")
	for _, mode := range []v1beta1.DeploymentMode{v1beta1.ModeNative, v1beta1.ModeStandalone} {
		for _, version := range v1beta1.SupportedFlinkVersions {
			fd := base.DeepCopy()
			fd.Spec.Mode = &mode
			fd.Spec.FlinkVersion = version
			if mode == v1beta1.ModeNative && (version == "v1_11" || version == "v1_12") {
				continue // standalone only
			}
			b.Run(string(mode)+"/"+string(version), func(b *testing.B) { benchRender(b, fd) })
		}
	}
}
