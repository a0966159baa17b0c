package httpfetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// partSuffix ends the names of files being written. Flink puts the *.jar
// files of usrlib on the classpath; a part file is never one of them.
const partSuffix = ".part"

// CheckFileName accepts a plain file name: nothing that leaves the folder
// or reads as a pattern when stale part files are looked for.
func CheckFileName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\*?[]`) || strings.HasSuffix(name, partSuffix) {
		return fmt.Errorf("file name %q must be a plain file name, such as job.jar", name)
	}
	return nil
}

// WriteAtomically copies body to dest/name through a temporary file in the
// same folder, renamed into place only when the size and the checksum are
// right: a reader of dest/name sees no file or the whole file, never part
// of one. Nothing is left behind on failure. Nor is anything renamed into
// place once ctx is done: the timeout bounds the fetch up to the rename,
// and an HTTP response can still arrive, complete and empty, after its
// request was cancelled.
func WriteAtomically(ctx context.Context, dest, name string, body io.Reader, maxBytes int64, wantSHA256 string) (_ *Result, err error) {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, fmt.Errorf("create destination folder: %w", err)
	}
	removeStaleParts(dest, name)
	tmp, err := os.CreateTemp(dest, "."+name+".*"+partSuffix)
	if err != nil {
		return nil, fmt.Errorf("create file in %s: %w", dest, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	sum := sha256.New()
	// One byte more than allowed tells "exactly the limit" from "more".
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if n > maxBytes {
		return nil, fmt.Errorf("%w: more than the limit of %d bytes (--max-bytes)", ErrTooLarge, maxBytes)
	}
	got := hex.EncodeToString(sum.Sum(nil))
	if wantSHA256 != "" && got != wantSHA256 {
		return nil, fmt.Errorf("%w: the content has sha256 %s, the URI says %s", ErrChecksumMismatch, got, wantSHA256)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	// CreateTemp makes the file private to its owner; Flink may run as
	// another user than the fetcher.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, fmt.Errorf("make %s readable: %w", tmp.Name(), err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	final := filepath.Join(dest, name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, fmt.Errorf("move into place: %w", err)
	}
	syncDir(dest)
	return &Result{Path: final, Bytes: n, SHA256: got}, nil
}

// removeStaleParts deletes what an earlier, killed attempt left, so retries
// in the same pod do not pile up partial downloads on the volume.
func removeStaleParts(dest, name string) {
	parts, _ := filepath.Glob(filepath.Join(dest, "."+name+".*"+partSuffix))
	for _, p := range parts {
		_ = os.Remove(p)
	}
}

// syncDir makes the rename durable. Best effort: some file systems cannot
// sync a folder, and the file is complete either way.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}
