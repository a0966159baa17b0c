package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
)

// dockerfileStage is one FROM ... stage of the Dockerfile.
type dockerfileStage struct {
	from, name   string
	instructions []string // upper-case keyword + rest, continuation lines joined
}

// TestDockerfile checks the image recipe without a Docker engine: a
// multi-stage build of static binaries; a final stage on a pinned
// distroless base that runs no shell command, runs as a numeric non-root
// user and carries OCI labels.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(testenv.RepoRoot(), "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(stages))
	}
	for _, s := range stages {
		if !pinnedImage(s.from) {
			t.Errorf("FROM %s: pin the base image by digest or by an exact version tag", s.from)
		}
	}

	build := strings.Join(stages[0].instructions, "\n")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-buildid=", "./cmd/flink-operator", "./cmd/flink-render"} {
		if !strings.Contains(build, want) {
			t.Errorf("build stage does not use %s", want)
		}
	}
	goMod, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	if goVersion == nil || !strings.Contains(stages[0].from, "golang:"+string(goVersion[1])+".") {
		t.Errorf("build stage %s does not use the Go version of go.mod (%s)", stages[0].from, goVersion)
	}

	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s: want a distroless static base (no shell, no package manager)", final.from)
	}
	var user, entrypoint, labels string
	for _, in := range final.instructions {
		keyword, rest, _ := strings.Cut(in, " ")
		switch keyword {
		case "RUN":
			t.Errorf("final stage runs %q: the runtime image has no shell", rest)
		case "USER":
			user = rest
		case "ENTRYPOINT", "CMD":
			if keyword == "ENTRYPOINT" {
				entrypoint = rest
			}
			var argv []string
			if json.Unmarshal([]byte(rest), &argv) != nil {
				t.Errorf("%s %s: use the exec (JSON) form, there is no shell to run it", keyword, rest)
			}
		case "LABEL":
			labels += rest
		case "COPY":
			if !strings.Contains(rest, "--from=") {
				t.Errorf("final stage copies %q from the build context; it should only take the built binaries", rest)
			}
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("USER %q: want a numeric non-root user, so that runAsNonRoot can verify it", user)
	}
	if entrypoint != `["/usr/local/bin/flink-operator"]` {
		t.Errorf("ENTRYPOINT %s: want the operator binary", entrypoint)
	}
	for _, label := range []string{"title", "source", "version", "revision", "description"} {
		if !strings.Contains(labels, "org.opencontainers.image."+label+"=") {
			t.Errorf("no OCI label org.opencontainers.image.%s", label)
		}
	}
}

// TestDockerignoreKeepsWhatTheBuildNeeds checks that no Go file or embedded
// file of the binaries' packages is excluded from the build context.
func TestDockerignoreKeepsWhatTheBuildNeeds(t *testing.T) {
	root := testenv.RepoRoot()
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimSuffix(line, "/"))
		}
	}
	if !slices.Contains(patterns, ".git") {
		t.Error(".dockerignore does not exclude .git")
	}
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"./cmd/flink-operator", "./cmd/flink-render")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	files := 0
	for _, abs := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, abs)
		if err != nil {
			t.Fatal(err)
		}
		files++
		if p := excludedBy(rel, patterns); p != "" {
			t.Errorf("the image build needs %s, but .dockerignore excludes it (%s)", rel, p)
		}
	}
	if files < 20 {
		t.Fatalf("go list named only %d files; the check would prove nothing", files)
	}
}

var (
	digestRef    = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
	exactVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+`)
	debianName   = regexp.MustCompile(`-debian[0-9]+$`)
)

// pinnedImage accepts a digest, or a tag that is an exact version. Distroless
// publishes no version tags; its image name's Debian release is the pin.
func pinnedImage(ref string) bool {
	if digestRef.MatchString(ref) {
		return true
	}
	slash := strings.LastIndex(ref, "/")
	name, tag, ok := strings.Cut(ref[slash+1:], ":")
	if !ok || tag == "" || tag == "latest" {
		return false
	}
	return exactVersion.MatchString(tag) || (strings.Contains(ref, "/distroless/") && debianName.MatchString(name))
}

func excludedBy(rel string, patterns []string) string {
	first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
	for _, p := range patterns {
		if p == first {
			return p
		}
		if ok, _ := filepath.Match(p, filepath.Base(rel)); ok {
			return p
		}
	}
	return ""
}

// parseDockerfile splits a Dockerfile into stages of instructions.
func parseDockerfile(t *testing.T, path string) []dockerfileStage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []dockerfileStage
	var pending string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			pending += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		in := pending + line
		pending = ""
		keyword, rest, _ := strings.Cut(in, " ")
		keyword = strings.ToUpper(keyword)
		if keyword == "FROM" {
			fields := strings.Fields(rest)
			var s dockerfileStage
			for i := 0; i < len(fields); i++ {
				switch {
				case strings.HasPrefix(fields[i], "--"):
				case strings.EqualFold(fields[i], "AS") && i+1 < len(fields):
					s.name = fields[i+1]
					i++
				default:
					s.from = fields[i]
				}
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			continue // ARG before the first FROM
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, keyword+" "+strings.TrimSpace(rest))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

func TestPinnedImage(t *testing.T) {
	for ref, want := range map[string]bool{
		"golang:1.26.8":          true,
		"golang:1.26.8-bookworm": true,
		"golang:1.26":            false,
		"golang":                 false,
		"golang:latest":          false,
		"gcr.io/distroless/static-debian12:nonroot": true,
		"gcr.io/distroless/static:nonroot":          false,
		"golang@sha256:" + strings.Repeat("a", 64):  true,
		"registry:5000/golang":                      false,
	} {
		if got := pinnedImage(ref); got != want {
			t.Errorf("pinnedImage(%q) = %v, want %v", ref, got, want)
		}
	}
}
