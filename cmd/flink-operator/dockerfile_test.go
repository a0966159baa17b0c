package main

import (
	"bufio"
	"encoding/json"
	"maps"
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

// imageBinaries are the Dockerfile's runtime stages (its targets), each
// with the binaries it carries; the first is its entrypoint.
var imageBinaries = map[string][]string{
	"flink-operator": {"flink-operator", "flink-render"},
	"flink-fetch":    {"flink-fetch"},
}

// TestDockerfile checks the image recipe without a Docker engine: a
// multi-stage build of static binaries; one runtime stage per image, each
// on a pinned distroless base that runs no shell command, runs as a
// numeric non-root user, carries OCI labels and only its own binaries; the
// operator's last, so that a build without --target makes it.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(testenv.RepoRoot(), "Dockerfile"))
	if len(stages) < 3 {
		t.Fatalf("want a build stage and one stage per image, got %d stage(s)", len(stages))
	}
	for _, s := range stages {
		if !pinnedImage(s.from) {
			t.Errorf("FROM %s: pin the base image by digest or by an exact version tag", s.from)
		}
	}

	build := strings.Join(stages[0].instructions, "\n")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-buildid=", "./cmd/flink-operator", "./cmd/flink-render", "./cmd/flink-fetch"} {
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

	if last := stages[len(stages)-1].name; last != "flink-operator" {
		t.Errorf("the last stage is %q: a build without --target would not make the operator image", last)
	}
	found := map[string]bool{}
	for _, s := range stages[1:] {
		binaries, ok := imageBinaries[s.name]
		if !ok {
			t.Errorf("stage %q: not one of the images %v", s.name, slices.Sorted(maps.Keys(imageBinaries)))
			continue
		}
		found[s.name] = true
		t.Run(s.name, func(t *testing.T) { checkRuntimeStage(t, s, binaries) })
	}
	for name := range imageBinaries {
		if !found[name] {
			t.Errorf("no stage %q (docker build --target %s)", name, name)
		}
	}
}

// checkRuntimeStage checks one image's stage; binaries[0] is its entrypoint.
func checkRuntimeStage(t *testing.T, s dockerfileStage, binaries []string) {
	if !strings.HasPrefix(s.from, "gcr.io/distroless/static") {
		t.Errorf("FROM %s: want a distroless static base (no shell, no package manager)", s.from)
	}
	var user, entrypoint, labels, copied string
	for _, in := range s.instructions {
		keyword, rest, _ := strings.Cut(in, " ")
		switch keyword {
		case "RUN":
			t.Errorf("runs %q: the runtime image has no shell", rest)
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
				t.Errorf("copies %q from the build context; it should only take the built binaries", rest)
			}
			copied += " " + rest
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("USER %q: want a numeric non-root user, so that runAsNonRoot can verify it", user)
	}
	if want := `["/usr/local/bin/` + binaries[0] + `"]`; entrypoint != want {
		t.Errorf("ENTRYPOINT %s: want %s", entrypoint, want)
	}
	for _, label := range []string{"title", "source", "version", "revision", "description"} {
		if !strings.Contains(labels, "org.opencontainers.image."+label+"=") {
			t.Errorf("no OCI label org.opencontainers.image.%s", label)
		}
	}
	if !strings.Contains(labels, `title="`+s.name+`"`) {
		t.Errorf("LABEL %s: want title %q", labels, s.name)
	}
	// Each image carries its own binaries and no other image's.
	for name, theirs := range imageBinaries {
		for _, b := range theirs {
			has := strings.Contains(copied, "/out/"+b+" ") || strings.HasSuffix(copied, "/out/"+b)
			if mine := name == s.name; has != mine {
				t.Errorf("COPY%s: /out/%s copied %v, want %v", copied, b, has, mine)
			}
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
		"./cmd/flink-operator", "./cmd/flink-render", "./cmd/flink-fetch")
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
