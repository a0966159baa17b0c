// Package golden compares flink-render output with reviewed files. Each
// folder holds input.yaml (FlinkDeployments) and expected.yaml (what
// flink-render prints for it). `make golden` rewrites expected.yaml; the
// diff is reviewed like code.
package golden

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/flinkops/flink-operator/renderer"
)

var update = os.Getenv("UPDATE_GOLDEN") != ""

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("*/input.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, inputs, "no golden cases found")
	for _, input := range inputs {
		dir := filepath.Dir(input)
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(input)
			require.NoError(t, err)
			objs, errs := renderer.RenderFile(input, data, renderer.FileOptions{Namespace: "default"})
			require.Empty(t, errs, "rendering %s", input)
			got, err := renderer.EncodeYAML(objs)
			require.NoError(t, err)

			expectedPath := filepath.Join(dir, "expected.yaml")
			if update {
				require.NoError(t, os.WriteFile(expectedPath, got, 0o644))
				return
			}
			want, err := os.ReadFile(expectedPath)
			require.NoError(t, err, "missing %s: run make golden", expectedPath)
			if string(want) != string(got) {
				t.Errorf("%s differs from the render (-want +got); if the change is intended run make golden and review the diff:\n%s",
					expectedPath, cmp.Diff(splitDocs(t, want), splitDocs(t, got)))
			}
		})
	}
}

// splitDocs parses a YAML stream so the diff reads per object and field.
func splitDocs(t *testing.T, stream []byte) []map[string]any {
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, m)
	}
}
