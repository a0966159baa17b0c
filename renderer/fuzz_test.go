package renderer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkops/flink-operator/renderer"
)

// FuzzRender feeds arbitrary bytes through the whole flink-render path:
// strict decoding, defaulting, validation and rendering. Whatever the input,
// nothing may panic; every problem must be a well-formed error pointing into
// the input file; and an input that renders must encode, and render to the
// same bytes a second time (the renderer is a pure function).
//
// Seeds: testdata/fuzz/FuzzRender, plus every golden input, example and
// invalid case of the repository.
func FuzzRender(f *testing.F) {
	for _, pattern := range []string{
		"../golden/*/input.yaml",
		"../examples/*.yaml",
		"../schemas/validation/testdata/invalid/*.yaml",
	} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, errs := renderer.RenderFile("fuzz.yaml", data, renderer.FileOptions{Namespace: "default"})
		for _, e := range errs {
			msg := e.Error()
			if !strings.HasPrefix(msg, "fuzz.yaml") {
				t.Fatalf("error does not name the input file: %q", msg)
			}
			if strings.TrimSpace(e.Message) == "" {
				t.Fatalf("error without a message: %q", msg)
			}
			if lines := yamlLines(data); e.Line < 0 || e.Line > lines {
				t.Fatalf("error points at line %d of a %d-line input: %q", e.Line, lines, msg)
			}
		}
		if len(errs) > 0 {
			return
		}
		first, err := renderer.EncodeYAML(objs)
		if err != nil {
			t.Fatalf("rendered objects do not encode: %v", err)
		}
		again, errs := renderer.RenderFile("fuzz.yaml", data, renderer.FileOptions{Namespace: "default"})
		if len(errs) > 0 {
			t.Fatalf("second render failed: %v", errs[0])
		}
		second, err := renderer.EncodeYAML(again)
		if err != nil {
			t.Fatalf("second render does not encode: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("two renders of the same input differ")
		}
	})
}

// yamlLines counts the lines of data as YAML does: a line break is "\r\n",
// "\r" or "\n" (YAML 1.2, 5.4), so "\r0" has two lines.
func yamlLines(data []byte) int {
	normalized := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	return bytes.Count(normalized, []byte("\n")) + bytes.Count(normalized, []byte("\r")) + 1
}
