package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// upload sends the fetched jar to a session's JobManager for the
// FlinkSessionJob controller (reconciler/sessionjob/fetchpod.go), which
// runs this binary in a pod of the session's namespace, with the session's
// service account, when the jar is on s3:// or gs://: the operator links
// no cloud SDK.
type upload struct {
	to, flinkVersion, resultFile string
}

// run uploads the jar at path under its file name, which the operator
// chose (<namespace>_<name>_<generation>.jar) so that a jar whose id it
// never read can be found and deleted, and writes the jar id.
func (u upload) run(ctx context.Context, path string) error {
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return fmt.Errorf("open the fetched jar: %w", err)
	}
	defer f.Close()
	id, err := flinkrest.New(u.to, u.flinkVersion).UploadJar(ctx, filepath.Base(path), f)
	if err != nil {
		return fmt.Errorf("upload the jar to %s: %w", u.to, err)
	}
	if err := os.WriteFile(u.resultFile, []byte(id), 0o644); err != nil {
		return fmt.Errorf("uploaded jar %s, but write its id to %s: %w", id, u.resultFile, err)
	}
	return nil
}
