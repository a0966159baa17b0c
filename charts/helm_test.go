package charts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const (
	helmModule   = "helm.sh/helm/v3/cmd/helm@v3.22.0"
	chartDir     = "flink-operator"
	releaseNS    = "flink-system"
	kubeVersion  = "1.34.4" // the envtest kube-apiserver's version
	valuesFolder = "testdata/values"
)

var (
	helmOnce sync.Once
	helmBin  string
	helmErr  error
)

// helmBinary is $HELM, or the pinned helm installed once per test run
// into a temporary folder (go install caches the build).
func helmBinary() (string, error) {
	helmOnce.Do(func() {
		if helmBin = os.Getenv("HELM"); helmBin != "" {
			return
		}
		dir, err := os.MkdirTemp("", "flink-operator-helm-")
		if err != nil {
			helmErr = err
			return
		}
		cmd := exec.Command("go", "install", helmModule)
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOBIN="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			helmErr = fmt.Errorf("go install %s (or set HELM, as make test does): %w\n%s", helmModule, err, out)
			return
		}
		helmBin = filepath.Join(dir, "helm")
	})
	return helmBin, helmErr
}

// helm runs the pinned helm with args and returns its standard output;
// err carries standard error.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin, err := helmBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	// Keep helm away from the user's repositories, plugins and caches.
	home := t.TempDir()
	cmd.Env = append(cmd.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// valuesFiles lists testdata/values/*.yaml by base name.
func valuesFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(valuesFolder, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files in %s: %v", valuesFolder, err)
	}
	sort.Strings(files)
	return files
}

// render runs helm template for release name with the values files and
// --set arguments and decodes every object it prints.
func render(t *testing.T, release string, valuesFiles []string, set ...string) ([]*unstructured.Unstructured, error) {
	t.Helper()
	args := []string{"template", release, chartDir, "--namespace", releaseNS, "--kube-version", kubeVersion}
	for _, f := range valuesFiles {
		args = append(args, "--values", f)
	}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	out, err := helm(t, args...)
	if err != nil {
		return nil, err
	}
	return decodeAll(out)
}

func mustRender(t *testing.T, release string, valuesFiles ...string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := render(t, release, valuesFiles)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func decodeAll(manifest string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	var out []*unstructured.Unstructured
	for {
		obj := map[string]any{}
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decode helm template output: %w", err)
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

// find returns the rendered objects of kind, in order.
func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func id(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + "/" + o.GetName()
	}
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}
