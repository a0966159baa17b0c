// Package testenv starts a real kube-apiserver and etcd for tests, with the
// FlinkDeployment CRD installed. The binaries come from KUBEBUILDER_ASSETS
// (set by `make test`) or, when unset, from hack/envtest.sh, which builds
// them from Go modules once and caches them; so plain `go test ./...` works
// too, only slower the first time.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// RepoRoot is the repository root, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Assets returns the folder holding kube-apiserver and etcd.
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cmd := exec.Command(filepath.Join(RepoRoot(), "hack", "envtest.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build envtest binaries with hack/envtest.sh: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

// Env is a running API server.
type Env struct {
	Config *rest.Config
	env    *envtest.Environment
}

// Option changes what Start sets up.
type Option func(*envtest.Environment)

// WithCRDPaths installs the CRDs in paths (files or folders) instead of the
// chart's: to test the operator against a CRD other than its own, such as
// the Apache operator's.
func WithCRDPaths(paths ...string) Option {
	return func(env *envtest.Environment) { env.CRDDirectoryPaths = paths }
}

// WithAPIServerFlags sets kube-apiserver flags (name without the leading
// dashes, value): for example an audit log or a token file.
func WithAPIServerFlags(flags map[string]string) Option {
	return func(env *envtest.Environment) {
		args := env.ControlPlane.GetAPIServer().Configure()
		for name, value := range flags {
			args.Set(name, value)
		}
	}
}

// Start starts etcd and kube-apiserver and installs the CRDs of the chart.
func Start(opts ...Option) (*Env, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "charts", "flink-operator", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	for _, o := range opts {
		o(env)
	}
	// The default Service range (a /24) runs out after some 250 clusters;
	// the scale benchmark creates 2,000 ClusterIP Services.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd from %s: %w", assets, err)
	}
	return &Env{Config: cfg, env: env}, nil
}

// Stop stops the API server and etcd.
func (e *Env) Stop() error {
	return e.env.Stop()
}
