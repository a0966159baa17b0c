package renderer

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/format"
	"github.com/google/go-cmp/cmp"
)

// BenchmarkEvaluateNative and BenchmarkEvaluateFloorNative split the
// production-like native render (BenchmarkRenderNative) at the CUE step.
// The first fills the input into the real template and decodes its output,
// as every render does. The second fills the same input into a template
// whose output is that render's finished output written as plain data, and
// decodes it the same way: what CUE costs for this input and output with
// templates that compute nothing. The difference is the most any rewrite of
// the templates could save (BENCHMARKS.md, "Session 16").
func BenchmarkEvaluateNative(b *testing.B) {
	p := preparedNative(b)
	benchEvaluate(b, p.template, p)
}

func BenchmarkEvaluateFloorNative(b *testing.B) {
	p := preparedNative(b)
	benchEvaluate(b, floorTemplate(b, p), p)
}

// TestEvaluateFloorGivesTheTemplatesOutput keeps the floor honest: it must
// produce exactly what the real template does, or it measures something else.
func TestEvaluateFloorGivesTheTemplatesOutput(t *testing.T) {
	p := preparedNative(t)
	want, err := evaluate(p.template, p.input, p.artifact)
	if err != nil {
		t.Fatal(err)
	}
	got, err := evaluate(floorTemplate(t, p), p.input, p.artifact)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the floor's output differs from the real template's (-want +got):\n%s", diff)
	}
	if len(got.Objects) == 0 {
		t.Fatal("the real template rendered no objects")
	}
}

func preparedNative(tb testing.TB) *prepared {
	tb.Helper()
	p, err := prepare(productionLikeNative(tb), RenderContext{})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// floorTemplate is p's template with its output replaced by the output it
// renders for p, as concrete data that refers to nothing.
func floorTemplate(tb testing.TB, p *prepared) cue.Value {
	tb.Helper()
	out := p.template.FillPath(pathInput, p.input).LookupPath(pathOutput)
	src, err := format.Node(out.Syntax(cue.Final(), cue.Concrete(true)))
	if err != nil {
		tb.Fatal(err)
	}
	floor := p.template.Context().CompileString("input: _\noutput: " + string(src))
	if err := floor.Err(); err != nil {
		tb.Fatal(err)
	}
	return floor
}

func benchEvaluate(b *testing.B, tmpl cue.Value, p *prepared) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := evaluate(tmpl, p.input, p.artifact); err != nil {
			b.Fatal(err)
		}
	}
}
