// Package corpus finds the compatibility corpus, the Apache operator's
// example CRs, which is kept beside the repository in
// ../shared/compat/apache-operator-examples rather than in it. A fresh
// clone has no such folder; tests that read the corpus then skip with a
// message that says what they need, except in CI, where a skip would
// read as a pass and so the test fails instead.
package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Action is what a test does when the corpus is absent.
type Action int

const (
	// Skip the test: a developer's clone without the corpus.
	Skip Action = iota
	// Fail the test: CI must never pass by skipping.
	Fail
)

// EnvDir names the environment variable that overrides Dir: a git
// worktree of the repository lives elsewhere than the clone the corpus is
// beside, and would otherwise skip every corpus test.
const EnvDir = "FLINK_COMPAT_CORPUS"

// Dir is where the corpus is expected for the repository at repoRoot:
// $FLINK_COMPAT_CORPUS when set, else a folder beside the repository.
func Dir(repoRoot string) string {
	if dir := os.Getenv(EnvDir); dir != "" {
		return dir
	}
	return filepath.Join(filepath.Dir(repoRoot), "shared", "compat", "apache-operator-examples")
}

// WhenMissing decides what a test does without the corpus from the value
// of the CI environment variable. CI systems set CI=true; any value that
// is not a recognisable false counts as CI, so that a typo cannot turn
// failures into skips.
func WhenMissing(ci string) Action {
	ci = strings.TrimSpace(ci)
	if ci == "" {
		return Skip
	}
	if b, err := strconv.ParseBool(ci); err == nil && !b {
		return Skip
	}
	return Fail
}

// Message says what is missing and how to provide it.
func Message(dir string) string {
	return fmt.Sprintf("compatibility corpus not found: this test needs the Apache Flink Kubernetes Operator's example CRs "+
		"(*.yaml from its examples/ folder) in %s, a folder beside the repository, not in it", dir)
}

// Files returns the corpus's *.yaml files for the repository at
// repoRoot. If there are none, it skips t, or fails it when ci (the
// value of $CI) says this is a CI run; it does not return then.
func Files(t testing.TB, repoRoot, ci string) []string {
	t.Helper()
	dir := Dir(repoRoot)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatalf("list the compatibility corpus in %s: %v", dir, err)
	}
	if len(files) > 0 {
		return files
	}
	if WhenMissing(ci) == Fail {
		t.Fatalf("%s (CI=%s: a missing corpus fails in CI rather than skipping)", Message(dir), ci)
	}
	t.Skipf("%s; skipped outside CI", Message(dir))
	return nil
}
