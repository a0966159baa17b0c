package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/flinkops/flink-operator/test/nodeagent/sandbox"
)

// Images are the container images this node can "pull": each one is a set
// of host folders and files that make up the image's filesystem, plus the
// image's entrypoint, command, environment and working directory.
type Images struct {
	// Flink maps a Flink minor version ("1.20") to an unpacked distribution.
	Flink map[string]FlinkDist
	// FlinkImageBinary is test/nodeagent/cmd/flink-image: the image's
	// docker-entrypoint.sh and bin/*.sh scripts, re-implemented.
	FlinkImageBinary string
	// FetchRepository is the flink-fetch image's repository (the operator's
	// init container for remote jars); FetchBinary is this checkout's
	// build of cmd/flink-fetch.
	FetchRepository string
	FetchBinary     string
}

// DefaultFetchRepository is the repository of the operator's default
// fetcher image (renderer.DefaultFetcherImage).
const DefaultFetchRepository = "ghcr.io/flinkops/flink-fetch"

// FlinkDist is one Flink release, as hack/flink-dist.sh unpacks it.
type FlinkDist struct {
	Version string // the exact release, e.g. 1.20.3
	Home    string // holds lib/, opt/, plugins/ and bin/bash-java-utils.jar
	// ExampleJar stands in for the image's
	// examples/streaming/StateMachineExample.jar: the project's keyed
	// counter job (test/flinkjob), built for this release.
	ExampleJar string
}

// Image is a resolved image.
type Image struct {
	ID         string // reported as the container's imageID
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	// layers returns the mounts that make up the image's filesystem for a
	// container whose writable layer is the host folder rw.
	layers func(rw string) ([]sandbox.Mount, error)
}

// ErrImagePull is an image this node cannot provide; the container waits
// with reason ErrImagePull, as with a tag a registry does not have.
var ErrImagePull = errors.New("image not available on this node")

// flinkRepositories are the names the official Flink image goes by.
var flinkRepositories = map[string]bool{
	"flink": true, "library/flink": true, "docker.io/library/flink": true, "docker.io/flink": true,
	"apache/flink": true, "docker.io/apache/flink": true,
}

var flinkMinor = regexp.MustCompile(`^(\d+\.\d+)(?:[.-]|$)`)

// Resolve maps an image reference to what this node has.
func (im *Images) Resolve(ref string) (*Image, error) {
	repo, tag := splitImage(ref)
	if im.FetchRepository != "" && repo == im.FetchRepository {
		return im.fetchImage(ref), nil
	}
	if flinkRepositories[repo] {
		m := flinkMinor.FindStringSubmatch(tag)
		if m == nil {
			return nil, fmt.Errorf("%w: %s: the tag names no Flink version (this node has %s)", ErrImagePull, ref, im.flinkVersions())
		}
		dist, ok := im.Flink[m[1]]
		if !ok {
			return nil, fmt.Errorf("%w: %s: this node has Flink %s", ErrImagePull, ref, im.flinkVersions())
		}
		return im.flinkImage(dist), nil
	}
	return nil, fmt.Errorf("%w: %s: this node has the Flink images (%s) and %s", ErrImagePull, ref, im.flinkVersions(), im.FetchRepository)
}

func (im *Images) flinkVersions() string {
	v := make([]string, 0, len(im.Flink))
	for minor := range im.Flink {
		v = append(v, minor)
	}
	sort.Strings(v)
	return strings.Join(v, ", ")
}

// splitImage splits "repo:tag" (or "repo@digest"); "latest" when untagged.
func splitImage(ref string) (repo, tag string) {
	if r, _, ok := strings.Cut(ref, "@"); ok {
		ref = r
	}
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[:colon], ref[colon+1:]
	}
	return ref, "latest"
}

// javaHome is the JDK the Flink images run on: the machine's Java 17 (the
// image's default Java for 1.20 and 2.x tags with a java17 variant).
const javaHome = "/usr/lib/jvm/java-17-openjdk-amd64"

// flinkImage is the official image's layout: FLINK_HOME=/opt/flink holding
// the distribution, docker-entrypoint.sh at the root, the scripts in
// /opt/flink/bin on PATH, and the distribution's default configuration as
// the image ships it.
func (im *Images) flinkImage(d FlinkDist) *Image {
	return &Image{
		ID:         "flink-operator.dev/flink-dist@" + d.Version,
		Entrypoint: []string{"/docker-entrypoint.sh"},
		Cmd:        []string{"help"},
		Env: []string{
			"FLINK_HOME=/opt/flink",
			"JAVA_HOME=" + javaHome,
			"PATH=/opt/flink/bin:" + javaHome + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		},
		WorkingDir: "/opt/flink",
		layers: func(rw string) ([]sandbox.Mount, error) {
			home := filepath.Join(rw, "opt-flink")
			if err := writeFlinkImageLayer(home, d, im.FlinkImageBinary); err != nil {
				return nil, fmt.Errorf("lay out the Flink %s image: %w", d.Version, err)
			}
			return []sandbox.Mount{
				{Source: home, Target: "/opt/flink"},
				{Source: filepath.Join(d.Home, "lib"), Target: "/opt/flink/lib", ReadOnly: true},
				{Source: filepath.Join(d.Home, "opt"), Target: "/opt/flink/opt", ReadOnly: true},
				{Source: filepath.Join(d.Home, "plugins"), Target: "/opt/flink/plugins", ReadOnly: true},
				{Source: im.FlinkImageBinary, Target: "/docker-entrypoint.sh", ReadOnly: true},
			}, nil
		},
	}
}

// flinkScripts are the distribution's bin/ scripts the image's commands
// reach; each is the flink-image binary, which acts on the name it is run
// by.
var flinkScripts = []string{
	"jobmanager.sh", "taskmanager.sh", "standalone-job.sh",
	"kubernetes-jobmanager.sh", "kubernetes-taskmanager.sh", "flink-console.sh",
}

// writeFlinkImageLayer lays out a container's own /opt/flink: what the
// image has besides the read-only distribution folders mounted over it.
// It is the container's writable layer, so a restarted container keeps
// what the last run wrote there, as with a container runtime.
func writeFlinkImageLayer(home string, d FlinkDist, flinkImage string) error {
	for _, dir := range []string{"bin", "conf", "log", "lib", "opt", "plugins", "examples/streaming"} {
		if err := os.MkdirAll(filepath.Join(home, dir), 0o755); err != nil {
			return err
		}
	}
	for _, s := range flinkScripts {
		link := filepath.Join(home, "bin", s)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		// Resolved inside the container, where the binary sits at the root.
		if err := os.Symlink("/docker-entrypoint.sh", link); err != nil {
			return err
		}
	}
	if err := copyIfMissing(filepath.Join(d.Home, "bin", "bash-java-utils.jar"), filepath.Join(home, "bin", "bash-java-utils.jar")); err != nil {
		return err
	}
	if d.ExampleJar != "" {
		if err := copyIfMissing(d.ExampleJar, filepath.Join(home, "examples", "streaming", "StateMachineExample.jar")); err != nil {
			return err
		}
	}
	for name, content := range map[string]string{"config.yaml": defaultFlinkConfig, "log4j-console.properties": defaultLog4jConsole} {
		p := filepath.Join(home, "conf", name)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyIfMissing(src, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// fetchImage is this project's flink-fetch image (the Dockerfile's target
// flink-fetch): a static binary on distroless.
func (im *Images) fetchImage(ref string) *Image {
	return &Image{
		ID:         "flink-operator.dev/this-checkout@" + ref,
		Entrypoint: []string{"/usr/local/bin/flink-fetch"},
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		layers: func(string) ([]sandbox.Mount, error) {
			return []sandbox.Mount{{Source: im.FetchBinary, Target: "/usr/local/bin/flink-fetch", ReadOnly: true}}, nil
		},
	}
}
