package flinkimage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Runtime holds the process's environment and its side effects, so that the scripts' logic
// can be run in tests with a fake BashJavaUtils and a recording exec.
type Runtime struct {
	Env    Env
	Stdout io.Writer
	Stderr io.Writer
	// ScriptPath is the path the program was started as (argv[0]); config.sh derives
	// FLINK_HOME from the script's location.
	ScriptPath string
	// Output runs a command with env and returns its merged stdout and stderr.
	Output func(argv []string, env Env) (string, error)
	// Exec replaces the process with argv; stdoutFile/stderrFile, when set, receive the
	// process's output (STD_REDIRECT_TO_FILE).
	Exec func(argv []string, env Env, stdoutFile, stderrFile string) error
	// Hostname is the kernel hostname; HostnameF is `hostname -f`.
	Hostname  func() (string, error)
	HostnameF func() string
	// HostsFile is the file the pod's own address is looked up in (/etc/hosts).
	HostsFile string
	// Getpid is the id the JVM will have (exec keeps the pid).
	Getpid func() int
}

// NewOSRuntime returns the Runtime of the real process.
func NewOSRuntime() *Runtime {
	return &Runtime{
		Env:        EnvFromOS(),
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ScriptPath: os.Args[0],
		Output:     outputOS,
		Exec:       execOS,
		Hostname:   os.Hostname,
		HostnameF:  hostnameFOS,
		HostsFile:  "/etc/hosts",
		Getpid:     os.Getpid,
	}
}

func outputOS(argv []string, env Env) (string, error) {
	path, err := lookPath(argv[0], env.Get("PATH"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = env.List()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	return out.String(), err
}

// hostnameFOS runs `hostname -f` as the entrypoint does; if that fails the entrypoint would
// write an empty address, here the plain hostname is used instead.
func hostnameFOS() string {
	out, err := exec.Command("hostname", "-f").Output()
	if err == nil && strings.TrimSpace(string(out)) != "" {
		return strings.TrimSpace(string(out))
	}
	h, _ := os.Hostname()
	return h
}

// lookPath finds name like the shell does with the given PATH value.
func lookPath(name, pathEnv string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("find %q on PATH %q: %w", name, pathEnv, exec.ErrNotFound)
}

// scriptHome is the parent of the directory holding the running script, with directory
// symlinks resolved (config.sh's `cd "$bin"; pwd -P`). The script file itself is not
// followed if it is a symlink: the multi-call binary is placed under each script name.
func (rt *Runtime) scriptHome() (string, error) {
	path, err := lookPath(rt.ScriptPath, rt.Env.Get("PATH"))
	if err != nil {
		return "", fmt.Errorf("locate the running script %q to derive FLINK_HOME: %w", rt.ScriptPath, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return "", fmt.Errorf("locate the running script %q to derive FLINK_HOME: %w", rt.ScriptPath, err)
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	return filepath.Dir(abs), nil
}

func (rt *Runtime) printf(format string, a ...any) {
	fmt.Fprintf(rt.Stdout, format, a...)
}

func (rt *Runtime) errorf(format string, a ...any) {
	fmt.Fprintf(rt.Stderr, format, a...)
}

// podBindArgs resolves the pod's address and returns the deviation's properties (podaddr.go).
func (rt *Runtime) podBindArgs(taskManager bool) ([]string, error) {
	host, err := rt.Hostname()
	if err != nil {
		return nil, fmt.Errorf("read the container's hostname to find the pod address: %w", err)
	}
	var hosts []byte
	if rt.Env.Get(PodIPOverrideEnv) == "" {
		hosts, err = os.ReadFile(rt.HostsFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read %s to find the pod address: %w", rt.HostsFile, err)
		}
	}
	ip, err := ResolvePodIP(rt.Env, host, string(hosts))
	if err != nil {
		return nil, err
	}
	return PodBindArgs(ip, taskManager), nil
}
