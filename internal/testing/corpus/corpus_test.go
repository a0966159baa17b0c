package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWhenMissing(t *testing.T) {
	for ci, want := range map[string]Action{
		"":      Skip,
		"false": Skip,
		"0":     Skip,
		" ":     Skip,
		"true":  Fail,
		"TRUE":  Fail,
		"1":     Fail,
		"yes":   Fail, // not a boolean: assume CI rather than skip silently
	} {
		if got := WhenMissing(ci); got != want {
			t.Errorf("CI=%q: got %v, want %v", ci, got, want)
		}
	}
}

// recorder stands in for *testing.T to see whether Files skips or fails.
// Like testing.T, Skipf and Fatalf end the goroutine, so run Files with
// call.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// call runs Files on its own goroutine, as the testing package runs a test.
func call(r *recorder, root, ci string) (files []string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		files = Files(r, root, ci)
	}()
	<-done
	return files
}

func TestFiles(t *testing.T) {
	t.Setenv(EnvDir, "") // the folder beside the repository, whatever the caller's environment
	root := filepath.Join(t.TempDir(), "repo")
	for _, tc := range []struct {
		ci                string
		present           bool
		wantSkip, wantErr bool
	}{
		{ci: "", wantSkip: true},
		{ci: "false", wantSkip: true},
		{ci: "true", wantErr: true},
		{ci: "true", present: true},
		{ci: "", present: true},
	} {
		if tc.present {
			if err := os.MkdirAll(Dir(root), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(Dir(root), "basic.yaml"), []byte("kind: FlinkDeployment\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := &recorder{}
		files := call(r, root, tc.ci)
		if r.skipped != tc.wantSkip || r.failed != tc.wantErr {
			t.Errorf("CI=%q, corpus present %v: skipped %v, failed %v; want %v, %v", tc.ci, tc.present, r.skipped, r.failed, tc.wantSkip, tc.wantErr)
		}
		if tc.present && len(files) != 1 {
			t.Errorf("CI=%q: files %v, want the one corpus file", tc.ci, files)
		}
		if (tc.wantSkip || tc.wantErr) && !strings.Contains(r.msg, Dir(root)) {
			t.Errorf("CI=%q: the message %q does not name the folder the corpus is expected in", tc.ci, r.msg)
		}
	}
}

// TestDirOverride: a worktree points the tests at the corpus of its clone.
func TestDirOverride(t *testing.T) {
	root := filepath.Join(t.TempDir(), "repo")
	t.Setenv(EnvDir, "")
	if got, want := Dir(root), filepath.Join(filepath.Dir(root), "shared", "compat", "apache-operator-examples"); got != want {
		t.Errorf("without %s: Dir = %s, want %s", EnvDir, got, want)
	}
	elsewhere := t.TempDir()
	t.Setenv(EnvDir, elsewhere)
	if got := Dir(root); got != elsewhere {
		t.Errorf("with %s=%s: Dir = %s", EnvDir, elsewhere, got)
	}
	if err := os.WriteFile(filepath.Join(elsewhere, "basic.yaml"), []byte("kind: FlinkDeployment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if files := call(&recorder{}, root, "true"); len(files) != 1 {
		t.Errorf("with %s: files %v, want the one file there", EnvDir, files)
	}
}
