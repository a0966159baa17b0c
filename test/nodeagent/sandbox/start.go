package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// Process is a started container: its main process, which leads its own process group.
type Process struct {
	pid      int
	done     chan struct{}
	exitCode int    // written before done is closed
	setupErr string // written before done is closed
}

// Start builds the sandbox for spec and starts its command. It returns an error only when nothing
// could be started (an invalid spec, an unwritable log, a failed fork); a failure inside the
// sandbox before the command runs is reported through ExitCode, SetupError and the log instead,
// because that is how a container runtime reports it to a kubelet.
func Start(spec Spec) (*Process, error) {
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("check sandbox spec for %v: %w", spec.Argv, err)
	}
	payload, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode sandbox spec for %v: %w", spec.Argv, err)
	}
	log, err := os.OpenFile(spec.LogPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open container log %s: %w", spec.LogPath, err)
	}
	defer log.Close()
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create spec pipe for %v: %w", spec.Argv, err)
	}
	defer specW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		specR.Close()
		return nil, fmt.Errorf("create error pipe for %v: %w", spec.Argv, err)
	}
	cmd := &exec.Cmd{
		// Go cannot run code between fork and exec, so the namespaces are made by clone and the
		// rest of the setup is done by this same binary, re-executed as the sandbox init.
		Path: "/proc/self/exe",
		Args: []string{"nodeagent-sandbox-init", spec.Hostname},
		Env:  []string{initEnv + "=1"},
		// The log is passed as is: the container writes to it directly, no copying goroutine.
		Stdout:     log,
		Stderr:     log,
		ExtraFiles: []*os.File{specR, errW},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS,
			// Its own process group, so that a signal reaches every process of the container.
			Setpgid: true,
			// A container dies with the agent that started it, even when the
			// agent is killed and cannot stop it: a dev cluster torn down
			// with SIGKILL must not leave JVMs holding its addresses. (It is
			// kept across exec, so it reaches the container's main process.)
			Pdeathsig: syscall.SIGKILL,
		},
	}
	startErr := cmd.Start()
	// The child has its copies now; ours must go, or the error pipe never reaches EOF.
	specR.Close()
	errW.Close()
	if startErr != nil {
		errR.Close()
		return nil, fmt.Errorf("start sandbox init for %v: %w", spec.Argv, startErr)
	}
	// A write error means the init died before reading; its exit status says why.
	_, _ = specW.Write(payload)
	specW.Close()

	p := &Process{pid: cmd.Process.Pid, done: make(chan struct{})}
	go p.wait(cmd, errR)
	return p, nil
}

// wait reads the init's setup error (EOF comes at exec or exit), then reaps the main process.
func (p *Process) wait(cmd *exec.Cmd, errR *os.File) {
	msg, _ := io.ReadAll(io.LimitReader(errR, 64<<10))
	errR.Close()
	err := cmd.Wait()
	p.setupErr = strings.TrimSpace(string(msg))
	p.exitCode = exitCode(cmd.ProcessState, err)
	close(p.done)
}

// exitCode reports like a kubelet does: the exit status, or 128+signal when killed by a signal.
func exitCode(state *os.ProcessState, err error) int {
	if state == nil {
		return ExitSetupFailed
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return ExitSetupFailed
	}
	return state.ExitCode()
}

// Pid is the container's main process, which is also its process group id.
func (p *Process) Pid() int { return p.pid }

// Signal sends sig to every process of the container (its process group). After Done it still
// reaches the container's processes that outlived the main one; once they are all gone the id
// could in theory be reused by a new group (after the kernel's pids wrap around), so do not keep
// signalling a container long after it ended.
func (p *Process) Signal(sig syscall.Signal) error {
	if err := syscall.Kill(-p.pid, sig); err != nil {
		return fmt.Errorf("send %v to process group %d: %w", sig, p.pid, err)
	}
	return nil
}

// Done is closed when the main process has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitCode waits for Done, then reports the exit status, or 128+signal when killed by a signal
// (as a kubelet reports it: 143 for SIGTERM, 137 for SIGKILL).
func (p *Process) ExitCode() int {
	<-p.done
	return p.exitCode
}

// SetupError waits for Done, then reports the reason the command never ran (also written to the log, and
// the exit code is ExitCommandNotFound or ExitSetupFailed), or "" when the command was executed.
func (p *Process) SetupError() string {
	<-p.done
	return p.setupErr
}

// Kill sends SIGKILL to the whole process group. Processes already gone are not an error.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
}
