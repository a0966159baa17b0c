package golden

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/internal/testing/corpus"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
)

// TestCompatibilityCorpus renders every example of the reference operator,
// unchanged: each FlinkDeployment must render (the canary to nothing, by
// design), every other kind must be refused by name, and nothing panics.
// The corpus is kept beside the repository, in ../shared (see
// internal/testing/corpus): without it the test skips on a developer's
// clone and fails in CI (CI=true), where a skip would read as a pass.
func TestCompatibilityCorpus(t *testing.T) {
	root, err := repoRoot()
	require.NoError(t, err)
	files := corpus.Files(t, root, os.Getenv("CI"))

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			docs := documents(t, data)
			require.NotEmpty(t, docs, "no documents")

			objs, errs := renderSafely(t, file, data)
			byDoc := map[int][]*decode.Error{}
			for _, e := range errs {
				byDoc[docAt(docs, e.Line)] = append(byDoc[docAt(docs, e.Line)], e)
			}
			for i, d := range docs {
				if d.kind == "FlinkDeployment" {
					assert.Empty(t, byDoc[i], "FlinkDeployment %s (line %d) must render", d.name, d.line)
					rendered := objectsOf(objs, d.name)
					if d.canary {
						assert.Empty(t, rendered, "a canary renders nothing")
					} else {
						assert.NotEmpty(t, rendered, "FlinkDeployment %s rendered no objects", d.name)
					}
					continue
				}
				if assert.Len(t, byDoc[i], 1, "%s %s (line %d) must get exactly one error", d.kind, d.name, d.line) {
					msg := byDoc[i][0].Error()
					assert.Contains(t, msg, fmt.Sprintf("kind %s ", d.kind), "the error names the kind")
					assert.Contains(t, msg, "is not supported")
				}
			}
			for _, o := range objs {
				assert.NotEmpty(t, o.GetKind())
				assert.NotEmpty(t, o.GetName(), renderer.ObjectID(o))
				assert.Equal(t, "default", o.GetNamespace(), renderer.ObjectID(o))
				assert.Equal(t, "flink-operator", o.GetLabels()["app.kubernetes.io/managed-by"], renderer.ObjectID(o))
			}
		})
	}
}

// renderSafely renders a file, turning a panic into a test failure that
// names the file.
func renderSafely(t *testing.T, file string, data []byte) (objs []*unstructured.Unstructured, errs []*decode.Error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("rendering %s panicked: %v\n%s", file, r, debug.Stack())
		}
	}()
	return renderer.RenderFile(file, data, renderer.FileOptions{Namespace: "default"})
}

type document struct {
	line       int
	kind, name string
	canary     bool
}

// documents lists the non-empty documents of a YAML stream with the line
// each starts on.
func documents(t *testing.T, data []byte) []document {
	var out []document
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode {
			continue
		}
		var head struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name   string            `yaml:"name"`
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
		}
		require.NoError(t, node.Content[0].Decode(&head))
		out = append(out, document{
			line: node.Content[0].Line, kind: head.Kind, name: head.Metadata.Name,
			canary: head.Metadata.Labels["flink.apache.org/canary"] == "true",
		})
	}
}

// docAt is the index of the document holding a line.
func docAt(docs []document, line int) int {
	i := sort.Search(len(docs), func(i int) bool { return docs[i].line > line })
	return max(i-1, 0)
}

func objectsOf(objs []*unstructured.Unstructured, name string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetLabels()["app"] == name {
			out = append(out, o)
		}
	}
	return out
}

// repoRoot is the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above " + strings.TrimSpace(dir))
		}
		dir = parent
	}
}
