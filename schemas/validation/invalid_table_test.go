package validation_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/renderer"
)

// invalidCases are the inputs of testdata/invalid, each with the errors it
// must get (see testdata/invalid/README.md).
func invalidCases(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "invalid", "*.yaml"))
	require.NoError(t, err)
	cases := map[string][]string{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var want []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
				want = append(want, filepath.Base(file)+":"+rest)
			}
		}
		require.NotEmpty(t, want, "%s has no # want: lines", file)
		cases[file] = want
	}
	return cases
}

// TestInvalidFlinkDeployments renders every invalid case the way
// flink-render does (renderer.RenderFile: strict decoding, validation,
// resource resolution, config file writing) and checks that it gets exactly
// its listed errors, each as FILE:LINE: path: message, in input order.
func TestInvalidFlinkDeployments(t *testing.T) {
	cases := invalidCases(t)
	require.GreaterOrEqual(t, len(cases), 60, "the issue asks for at least 60 invalid cases")
	for file, want := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			_, errs := renderer.RenderFile(filepath.Base(file), data, renderer.FileOptions{Namespace: "default"})
			got := make([]string, len(errs))
			for i, e := range errs {
				got[i] = e.Error()
			}
			assert.Equal(t, want, got)
		})
	}
}
