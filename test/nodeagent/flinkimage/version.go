package flinkimage

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
)

// Version is the Flink version of the distribution, as far as it matters here: 1.x scripts
// and entrypoints (Flink 1.20) differ from 2.x ones (§5).
type Version struct {
	Major, Minor int
}

// Legacy reports whether the distribution is Flink 1.x.
func (v Version) Legacy() bool {
	return v.Major < 2
}

func (v Version) String() string {
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

var distJarVersion = regexp.MustCompile(`^flink-dist[^/]*?-(\d+)\.(\d+)(\.\d+)?(-[A-Za-z0-9.]+)?\.jar$`)

// VersionFromDistJar reads the version from the name of the flink-dist jar
// (lib/flink-dist-1.20.4.jar, lib/flink-dist-2.2.1.jar).
func VersionFromDistJar(path string) (Version, error) {
	m := distJarVersion.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return Version{}, fmt.Errorf("read the Flink version from the name of %s: want flink-dist-<major>.<minor>[.<patch>].jar", path)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return Version{Major: major, Minor: minor}, nil
}
