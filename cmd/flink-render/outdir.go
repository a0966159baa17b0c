package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/planner"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// outputDirMarker marks a folder --output-dir wrote. flink-render owns
// such a folder: each run replaces all of it, so that the file of an
// object that went away does not stay behind to be applied again. A
// folder without the marker is replaced only when empty: its files are
// someone else's.
const outputDirMarker = ".flink-render"

// writeDir writes one file per object, and one per job submission
// (submission.go), into a new folder next to dir, then
// swaps it in: dir holds exactly this run's objects, and a failed run
// leaves the previous output as it was.
func writeDir(dir, format string, objs []*unstructured.Unstructured, subs []planner.Submission) error {
	if err := checkOwned(dir); err != nil {
		return err
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create the folder of --output-dir %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return fmt.Errorf("create a folder to write --output-dir %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp) // gone once renamed; left over only on failure
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write --output-dir %s: %w", dir, err)
	}
	marker := "written by flink-render --output-dir: the whole folder is replaced on each run\n"
	if err := os.WriteFile(filepath.Join(tmp, outputDirMarker), []byte(marker), 0o644); err != nil {
		return fmt.Errorf("write --output-dir %s: %w", dir, err)
	}
	for _, o := range objs {
		out, err := encode(format, []*unstructured.Unstructured{o})
		if err != nil {
			return err
		}
		path := filepath.Join(tmp, renderer.FileName(o, format))
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return fmt.Errorf("write %s into --output-dir %s: %w", renderer.ObjectID(o), dir, err)
		}
	}
	for _, sub := range subs {
		// A comment document in either format: kubectl apply -f DIR
		// skips it, where it would refuse a JSON object without a kind.
		out, err := submissionYAML(sub)
		if err != nil {
			return err
		}
		path := filepath.Join(tmp, strings.ToLower(fmt.Sprintf("%s_%s_%s.yaml", sub.Namespace, v1beta1.KindFlinkSessionJob, sub.Name)))
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return fmt.Errorf("write the submission of FlinkSessionJob %s/%s into --output-dir %s: %w", sub.Namespace, sub.Name, dir, err)
		}
	}
	return swapIn(tmp, dir)
}

// checkOwned refuses a dir that flink-render did not write and that is
// not empty.
func checkOwned(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read --output-dir %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, outputDirMarker)); err != nil {
		return fmt.Errorf("--output-dir %s: the folder holds files flink-render did not write (it has no %s file), and flink-render replaces the whole folder; give a new or empty folder", dir, outputDirMarker)
	}
	return nil
}

// swapIn replaces dir by tmp: the old folder is moved aside, the new one
// moved in, then the old one removed. Between the two renames dir does not
// exist for an instant; a failed second rename moves the old one back.
func swapIn(tmp, dir string) error {
	old := tmp + ".old"
	hadOld := true
	if err := os.Rename(dir, old); errors.Is(err, fs.ErrNotExist) {
		hadOld = false
	} else if err != nil {
		return fmt.Errorf("replace --output-dir %s: move the previous output aside: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if hadOld {
			_ = os.Rename(old, dir)
		}
		return fmt.Errorf("replace --output-dir %s: %w", dir, err)
	}
	if hadOld {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("remove the previous output of --output-dir %s at %s: %w", dir, old, err)
		}
	}
	return nil
}
