package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// defaultPath is what containerd puts in a container's environment when the image sets no PATH;
// it is used only to find Argv[0], the process still gets exactly Spec.Env.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// setupError is a failure before the command runs, with the exit code that reports it.
type setupError struct {
	code int
	err  error
}

func (e *setupError) Error() string { return e.err.Error() }

func failed(code int, format string, args ...any) error {
	return &setupError{code: code, err: fmt.Errorf(format, args...)}
}

// Init must be the first thing the agent's main() (and a test's TestMain) calls. In a process
// started by Start as the sandbox init, it builds the container and execs its command, and never
// returns; in any other process it returns at once.
func Init() {
	if os.Getenv(initEnv) != "1" {
		return
	}
	errPipe := os.NewFile(errorFD, "sandbox-error")
	// The command must not inherit the error pipe: its EOF tells the parent that exec succeeded.
	syscall.CloseOnExec(errorFD)
	err := runInit()
	code := ExitSetupFailed
	var se *setupError
	if errors.As(err, &se) {
		code = se.code
	}
	msg := "sandbox: " + err.Error()
	// Stderr is the container's log: the error lands where the user looks for it.
	fmt.Fprintln(os.Stderr, msg)
	_, _ = errPipe.WriteString(msg)
	os.Exit(code)
}

// runInit returns only on failure; on success the process has become the container's command.
func runInit() error {
	specFile := os.NewFile(specFD, "sandbox-spec")
	var spec Spec
	err := json.NewDecoder(specFile).Decode(&spec)
	specFile.Close()
	if err != nil {
		return fmt.Errorf("read sandbox spec from fd %d: %w", specFD, err)
	}
	root, err := buildRoot(spec)
	if err != nil {
		return err
	}
	workDir := spec.WorkingDir
	if workDir == "" {
		workDir = "/"
	}
	if _, err := root.mountPoint(workDir, true); err != nil {
		return fmt.Errorf("create working dir %s: %w", workDir, err)
	}
	if spec.Hostname != "" {
		if err := syscall.Sethostname([]byte(spec.Hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", spec.Hostname, err)
		}
	}
	if err := syscall.Chroot(root.dir); err != nil {
		return fmt.Errorf("chroot into %s: %w", root.dir, err)
	}
	if err := syscall.Chdir(workDir); err != nil {
		return fmt.Errorf("change to working dir %s: %w", workDir, err)
	}
	path, err := lookPath(spec.Argv[0], spec.Env)
	if err != nil {
		return err
	}
	err = syscall.Exec(path, spec.Argv, spec.Env)
	return failed(ExitSetupFailed, "exec %q: %w", path, err)
}

// lookPath finds name like execvp does, but with the container's PATH (from env, the last entry
// winning as in a pod spec) inside the new root.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := checkExecutable(name); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", failed(ExitCommandNotFound, "exec: %q: %w", name, err)
			}
			return "", failed(ExitSetupFailed, "exec: %q: %w", name, err)
		}
		return name, nil
	}
	pathList := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathList = v
		}
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			dir = "."
		}
		candidate := filepath.Join(dir, name)
		if checkExecutable(candidate) == nil {
			return candidate, nil
		}
	}
	return "", failed(ExitCommandNotFound, "exec: %q: executable file not found in $PATH", name)
}

// checkExecutable accepts a regular file with an execute bit, like exec.LookPath.
func checkExecutable(file string) error {
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}
