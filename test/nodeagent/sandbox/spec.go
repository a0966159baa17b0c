package sandbox

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Mount bind-mounts Source (a host path: file or directory) at Target (an absolute path inside the container).
type Mount struct {
	Source   string
	Target   string
	ReadOnly bool
}

// Spec is one container process.
type Spec struct {
	// StateDir is a host directory owned by this container (created by the caller, empty or left
	// from a previous run of the same container); the sandbox builds the container's root under it
	// (StateDir/rootfs) and keeps the container's /tmp there (StateDir/tmp).
	StateDir string
	// Hostname is set in the container's own UTS namespace; "" keeps the host's name.
	Hostname string
	// Mounts are applied in order, after the base system mounts; a later mount may sit inside an
	// earlier one (e.g. /opt/flink then /opt/flink/conf). Missing mount points are created inside
	// the container's root, never on the host (see the package doc).
	Mounts []Mount
	// Argv[0] is resolved through PATH from Env inside the container when it has no slash.
	Argv []string
	// Env is exactly the environment of the process.
	Env []string
	// WorkingDir is inside the container; "" means "/". It is created when missing, as runc does.
	WorkingDir string
	// LogPath is a host file; stdout and stderr are appended to it.
	LogPath string
}

// Exit codes of a container that never got to run its command, chosen like a shell's so that the
// caller can tell them apart from the command's own codes and report a StartError.
const (
	// ExitCommandNotFound means Argv[0] was not found (through PATH) inside the container.
	ExitCommandNotFound = 127
	// ExitSetupFailed means building the sandbox failed, or the command could not be executed.
	ExitSetupFailed = 126
)

// initEnv marks a re-executed binary as a sandbox init; see Init.
const initEnv = "NODEAGENT_SANDBOX_INIT"

// The init's extra file descriptors (exec.Cmd.ExtraFiles start at 3).
const (
	specFD  = 3 // the Spec as JSON, read to EOF
	errorFD = 4 // close-on-exec: gets the setup error text; EOF without text means exec succeeded
)

// validate rejects specs that are the caller's mistake, before anything is started.
func (s Spec) validate() error {
	var errs []error
	if !filepath.IsAbs(s.StateDir) {
		errs = append(errs, fmt.Errorf("state dir %q is not an absolute path", s.StateDir))
	}
	if !filepath.IsAbs(s.LogPath) {
		errs = append(errs, fmt.Errorf("log path %q is not an absolute path", s.LogPath))
	}
	// The kernel's limit; a kubelet truncates a pod's hostname to 63 characters before this.
	if len(s.Hostname) > 64 {
		errs = append(errs, fmt.Errorf("hostname %q is longer than 64 bytes", s.Hostname))
	}
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		errs = append(errs, errors.New("argv is empty"))
	}
	if s.WorkingDir != "" && !filepath.IsAbs(s.WorkingDir) {
		errs = append(errs, fmt.Errorf("working dir %q is not an absolute path", s.WorkingDir))
	}
	for i, m := range s.Mounts {
		if !filepath.IsAbs(m.Source) || !filepath.IsAbs(m.Target) {
			errs = append(errs, fmt.Errorf("mount %d (%s at %s): source and target must be absolute paths", i, m.Source, m.Target))
		}
	}
	return errors.Join(errs...)
}
