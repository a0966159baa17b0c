package flinkimage

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// FindJars lists every non-directory entry named *.jar under libDir, recursively, without
// following directory symlinks (like `find "$FLINK_LIB_DIR" ! -type d -name '*.jar'`).
func FindJars(libDir string) ([]string, error) {
	var jars []string
	err := filepath.WalkDir(libDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".jar") {
			jars = append(jars, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the jars under the Flink lib directory %s: %w", libDir, err)
	}
	return jars, nil
}

func isFlinkDist(path string) bool {
	ok, _ := filepath.Match("flink-dist*.jar", filepath.Base(path))
	return ok
}

// FlinkDistJar picks the single flink-dist*.jar among jars (findFlinkDistJar); zero or
// several are errors, with the scripts' messages.
func FlinkDistJar(jars []string, libDir string) (string, error) {
	var dist []string
	for _, j := range jars {
		if isFlinkDist(j) {
			dist = append(dist, j)
		}
	}
	switch len(dist) {
	case 0:
		return "", fmt.Errorf("[ERROR] Flink distribution jar not found in %s", libDir)
	case 1:
		return dist[0], nil
	default:
		return "", fmt.Errorf("[ERROR] Multiple flink-dist*.jar found in %s (%s). Please resolve", libDir, strings.Join(dist, ", "))
	}
}

// FlinkClassPath builds constructFlinkClassPath's result (§3.2): all jars sorted by path,
// with the one flink-dist jar moved to the end. The script sorts with sort(1) in the image's
// locale; for the distribution's jar names that order equals byte order, which is used here.
func FlinkClassPath(jars []string, libDir string) (string, error) {
	dist, err := FlinkDistJar(jars, libDir)
	if err != nil {
		return "", err
	}
	sorted := append([]string(nil), jars...)
	sort.Strings(sorted)
	var parts []string
	for _, j := range sorted {
		if j != dist {
			parts = append(parts, j)
		}
	}
	return strings.Join(append(parts, dist), ":"), nil
}
