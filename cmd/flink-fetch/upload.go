package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/resttls"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// upload sends the fetched jar to a session's JobManager for the
// FlinkSessionJob controller (reconciler/sessionjob/fetchpod.go), which
// runs this binary in a pod of the session's namespace, with the session's
// service account, when the jar is on s3:// or gs://: the operator links
// no cloud SDK.
type upload struct {
	to, flinkVersion, resultFile string
	// flinkConfig is a folder holding the session's Flink configuration
	// file (its ConfigMap, mounted): a session that serves REST over TLS
	// is reached with the stores that configuration names, at the paths
	// where the pod mounts them, as the operator reaches it
	// (reconciler/resttls).
	flinkConfig string
}

// run uploads the jar at path under its file name, which the operator
// chose (<namespace>_<name>_<generation>.jar) so that a jar whose id it
// never read can be found and deleted, and writes the jar id.
func (u upload) run(ctx context.Context, path string) error {
	client, err := u.client()
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return fmt.Errorf("open the fetched jar: %w", err)
	}
	defer f.Close()
	id, err := client.UploadJar(ctx, filepath.Base(path), f)
	if err != nil {
		return fmt.Errorf("upload the jar to %s: %w", u.to, err)
	}
	if err := os.WriteFile(u.resultFile, []byte(id), 0o644); err != nil {
		return fmt.Errorf("uploaded jar %s, but write its id to %s: %w", id, u.resultFile, err)
	}
	return nil
}

// client is the REST client of the JobManager at u.to: over TLS when the
// session's configuration says so.
func (u upload) client() (*flinkrest.Client, error) {
	if u.flinkConfig == "" {
		return flinkrest.New(u.to, u.flinkVersion), nil
	}
	spec, err := readFlinkConfig(u.flinkConfig, u.flinkVersion)
	if err != nil {
		return nil, err
	}
	settings := flinkconf.Read(spec).RESTTLS
	if !settings.Enabled {
		return flinkrest.New(u.to, u.flinkVersion), nil
	}
	var clients resttls.Clients
	hc, err := clients.For(settings)
	if err != nil {
		return nil, fmt.Errorf("set up TLS for the REST API of %s (%s is true in %s): %w", u.to, settings.Key, u.flinkConfig, err)
	}
	to := u.to
	if rest, ok := strings.CutPrefix(to, "http://"); ok {
		to = "https://" + rest
	}
	return flinkrest.New(to, u.flinkVersion, flinkrest.WithHTTPClient(hc)), nil
}

// configFiles are the names Flink reads its configuration from, newest
// first (Flink 1.19 added config.yaml).
var configFiles = []string{"config.yaml", "flink-conf.yaml"}

// readFlinkConfig reads the configuration file in dir, as the operator
// rendered it (one key per line), into a spec of version.
func readFlinkConfig(dir, version string) (*v1beta1.FlinkDeploymentSpec, error) {
	for _, name := range configFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the session's Flink configuration: %w", err)
		}
		var flat map[string]any
		if err := yaml.Unmarshal(data, &flat); err != nil {
			return nil, fmt.Errorf("read the session's Flink configuration %s: %w", filepath.Join(dir, name), err)
		}
		v := v1beta1.FlinkVersion(version)
		if parsed, err := flinkrest.ParseVersion(version); err == nil {
			v = v1beta1.FlinkVersion(fmt.Sprintf("v%d_%d", parsed.Major, parsed.Minor))
		}
		return &v1beta1.FlinkDeploymentSpec{FlinkVersion: v, FlinkConfiguration: v1beta1.NewConfigObject(flat)}, nil
	}
	return nil, fmt.Errorf("read the session's Flink configuration: neither %s is in %s", strings.Join(configFiles, " nor "), dir)
}
