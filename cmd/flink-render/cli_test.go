package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flink-render f.yaml -o json: flags after the files, short forms.
func TestFlagsAnywhere(t *testing.T) {
	code, out, stderr := runCLI(t, "", "../../examples/basic.yaml", "-o", "json")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(out, "{"), out)

	doc := basicDeployment(t, "job", "x")
	doc = strings.Replace(doc, "  namespace: x\n", "", 1)
	code, out, stderr = runCLI(t, doc, "-", "-n", "analytics", "--output", "yaml")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "namespace: analytics")

	// After --, everything is an argument.
	code, _, stderr = runCLI(t, "", "--", "-o")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "-o: open -o")
}

// -f FILE|DIR with -R, and folders as arguments: the top level only,
// every level with -R, hidden folders never.
func TestFilesAndFolders(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	write("a.yaml", basicDeployment(t, "top", "default"))
	write("sub/b.yml", basicDeployment(t, "nested", "default"))
	write(".git/c.yaml", "not: a kubernetes object\n")
	write("README.md", "# not read\n")

	for _, args := range [][]string{{dir}, {"-f", dir}, {"--filename=" + dir}} {
		code, out, stderr := runCLI(t, "", args...)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "name: top-rest")
		assert.NotContains(t, out, "name: nested-rest", "without -R only the top level")
	}
	for _, args := range [][]string{{"-R", dir}, {"-f", dir, "-R"}, {"--recursive", "-f", dir}} {
		code, out, stderr := runCLI(t, "", args...)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "name: top-rest")
		assert.Contains(t, out, "name: nested-rest")
	}
	code, out, stderr := runCLI(t, "", "-f", filepath.Join(dir, "sub", "b.yml"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "name: nested-rest")
}

// --help prints to stdout with examples and exits 0; a usage error goes to
// stderr with exit 2.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"job.yaml", "--help"}, {"plan", "--help"}, {"fn", "--help"}, {"completion", "--help"}} {
		code, out, stderr := runCLI(t, "", args...)
		assert.Equal(t, 0, code, args)
		assert.Empty(t, stderr, args)
		assert.Contains(t, out, "usage: flink-render", args)
		assert.Contains(t, out, "Examples:", args)
	}
	code, out, _ := runCLI(t, "", "--help")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "-namespace")
	assert.Contains(t, out, "-strict-kinds")

	code, out, stderr := runCLI(t, "", "--no-such-flag", "job.yaml")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "flag provided but not defined: -no-such-flag")
	assert.Contains(t, stderr, "run 'flink-render --help' for usage")
}

// The bash script completes subcommands, flags and output formats: run
// its function in bash as the shell would.
func TestCompletion(t *testing.T) {
	code, script, stderr := runCLI(t, "", "completion", "bash")
	require.Equal(t, 0, code, stderr)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	complete := func(words ...string) string {
		t.Helper()
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		prog := script + "\nCOMP_WORDS=(flink-render " + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			itoa(len(words)) + "\n_flink_render\necho \"${COMPREPLY[*]}\"\n"
		cmd := exec.Command(bash, "-c", prog)
		cmd.Dir = t.TempDir() // no file names among the answers
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	assert.Equal(t, "plan", complete("pl"))
	assert.Equal(t, "--strict-kinds", complete("--stri"))
	assert.Equal(t, "yaml json", complete("-o", ""))
	assert.Equal(t, "text json", complete("plan", "--output", ""))
	assert.Equal(t, "--no-diff", complete("plan", "--no-"))
	assert.Equal(t, "bash", complete("completion", "ba"))

	for _, shell := range []string{"zsh", "fish"} {
		code, out, stderr := runCLI(t, "", "completion", shell)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "flink-render")
	}
	code, _, _ = runCLI(t, "", "completion", "tcsh")
	assert.Equal(t, 2, code)
}
