package charts

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// relativePath matches a file path in text that is not part of a URL: it
// starts after a space, a quote or a bracket.
var relativePath = regexp.MustCompile(`(?:^|[\s"'(\x60])((?:[\w.-]+/)+[\w.-]+\.(?:ya?ml|md|json|txt|tpl))\b`)

// TestNotesPointOnlyAtShippedFiles renders NOTES.txt from the packaged
// chart, as a user who installed it from a repository sees it, and checks
// that every file it names is in the package: the repository's examples/
// and docs/ folders are not.
func TestNotesPointOnlyAtShippedFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := helm(t, "package", chartDir, "--destination", dir); err != nil {
		t.Fatal(err)
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "*.tgz"))
	if len(archives) != 1 {
		t.Fatalf("helm package made %v", archives)
	}
	chart := filepath.Join(dir, "chart")
	shipped := untar(t, archives[0], chart)

	// helm template does not print NOTES.txt; tpl renders it the way
	// helm install does, from a template that quotes the result.
	notes, err := os.ReadFile(filepath.Join(chart, chartDir, "templates", "NOTES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(chart, chartDir, "notes-under-test.txt"), notes, 0o644); err != nil {
		t.Fatal(err)
	}
	const tmpl = "notes: {{ tpl (.Files.Get \"notes-under-test.txt\") . | toJson }}\n"
	if err := os.WriteFile(filepath.Join(chart, chartDir, "templates", "notes-under-test.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, set := range [][]string{nil, {"watchNamespaces[0]=team-a"}, {"jobServiceAccount.create=false"}} {
		args := []string{"template", "t", filepath.Join(chart, chartDir), "--namespace", releaseNS, "--show-only", "templates/notes-under-test.yaml"}
		for _, s := range set {
			args = append(args, "--set", s)
		}
		out, err := helm(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeAll(out)
		if err != nil || len(objs) != 1 {
			t.Fatalf("--set %v: the rendered notes do not decode: %v\n%s", set, err, out)
		}
		text, _ := objs[0].Object["notes"].(string)
		if !strings.Contains(text, "kubectl apply") {
			t.Errorf("--set %v: the notes show no way to try the operator:\n%s", set, text)
		}
		for _, m := range relativePath.FindAllStringSubmatch(text, -1) {
			if !shipped[m[1]] {
				t.Errorf("--set %v: NOTES.txt points at %s, which the packaged chart does not hold", set, m[1])
			}
		}
	}
}

// untar extracts a chart archive into dir and returns the files it holds,
// relative to the chart's own folder.
func untar(t *testing.T, archive, dir string) map[string]bool {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || !filepath.IsLocal(h.Name) {
			continue
		}
		files[strings.TrimPrefix(h.Name, chartDir+"/")] = true
		dst := filepath.Join(dir, h.Name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
