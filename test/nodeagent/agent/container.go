package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/flinkops/flink-operator/test/nodeagent/sandbox"
)

// Restart back-off, as a kubelet's: the first restart is immediate, the
// next waits 10 s, doubling up to 5 minutes; 10 minutes of running resets it.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
)

// containerRunner runs one container of a pod: starts it, watches it,
// restarts it as the pod's restartPolicy says, and stops it.
type containerRunner struct {
	w    *podWorker
	c    *corev1.Container
	vols map[string]volume
	init bool

	mu      sync.Mutex
	proc    *sandbox.Process
	stopped chan struct{} // closed by stop: no more starts
	once    sync.Once
	done    chan struct{} // closed when run has returned
}

func newContainerRunner(w *podWorker, c *corev1.Container, vols map[string]volume, init bool) *containerRunner {
	return &containerRunner{w: w, c: c, vols: vols, init: init, stopped: make(chan struct{}), done: make(chan struct{})}
}

// run keeps a regular container running until the pod stops, or until it
// has ended for good under restartPolicy Never or OnFailure.
func (r *containerRunner) run(ctx context.Context) {
	defer close(r.done)
	policy := r.w.pod().Spec.RestartPolicy
	backoff := time.Duration(0)
	for {
		code, ran, ok := r.runOnce(ctx)
		if !ok {
			return
		}
		if policy == corev1.RestartPolicyNever || (policy == corev1.RestartPolicyOnFailure && code == 0) {
			return
		}
		if ran >= backoffReset {
			backoff = 0
		}
		if backoff > 0 {
			r.w.status.backingOff(r.c.Name, r.init, backoff)
		}
		if !r.wait(backoff) {
			return
		}
		backoff = nextBackoff(backoff)
	}
}

// runInit runs an init container to success, retrying failures unless
// restartPolicy is Never; false means the pod goes no further.
func (r *containerRunner) runInit(ctx context.Context) bool {
	defer close(r.done)
	backoff := time.Duration(0)
	for {
		code, _, ok := r.runOnce(ctx)
		if !ok {
			return false
		}
		if code == 0 {
			return true
		}
		if r.w.pod().Spec.RestartPolicy == corev1.RestartPolicyNever {
			r.w.status.failed()
			return false
		}
		if backoff > 0 {
			r.w.status.backingOff(r.c.Name, r.init, backoff)
		}
		if !r.wait(backoff) {
			return false
		}
		backoff = nextBackoff(backoff)
	}
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return backoffInitial
	}
	return min(2*d, backoffMax)
}

// wait sleeps out a back-off; false when the container must not start again.
func (r *containerRunner) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.stopped:
		return false
	case <-r.w.ended:
		return false
	case <-t.C:
		return true
	}
}

// runOnce starts the container and waits for it to exit. ok is false when
// it could not or must not run (an image this node lacks, a stop).
func (r *containerRunner) runOnce(ctx context.Context) (code int, ran time.Duration, ok bool) {
	select {
	case <-r.stopped:
		return 0, 0, false
	case <-r.w.ended:
		return 0, 0, false
	default:
	}
	name := r.c.Name
	img, err := r.w.a.cfg.Images.Resolve(r.c.Image)
	if err != nil {
		// A kubelet would retry the pull with back-off; this node's images
		// do not change while it runs, so the container waits for good.
		r.w.status.waiting(name, r.init, "ErrImagePull", err.Error())
		r.w.logf("pull image", "container", name, "err", err)
		<-r.w.ended
		return 0, 0, false
	}
	restart := r.w.status.runs(name, r.init)
	spec, err := r.sandboxSpec(ctx, img, restart)
	if err != nil {
		r.w.status.waiting(name, r.init, "CreateContainerConfigError", err.Error())
		r.w.logf("create container", "container", name, "err", err)
		return 127, 0, r.wait(backoffInitial)
	}
	r.mu.Lock()
	proc, err := sandbox.Start(spec)
	if err == nil {
		r.proc = proc
	}
	r.mu.Unlock()
	if err != nil {
		r.w.status.waiting(name, r.init, "RunContainerError", err.Error())
		r.w.logf("start container", "container", name, "err", err)
		return 128, 0, r.wait(backoffInitial)
	}
	started := time.Now()
	r.w.status.running(name, r.init, img, containerID(r.w.pod(), name, restart), started)
	probeCtx, stopProbes := context.WithCancel(ctx)
	go r.probe(probeCtx, proc)
	<-proc.Done()
	stopProbes()
	code = proc.ExitCode()
	r.w.status.terminated(name, r.init, code, started, time.Now(), r.terminationMessage(code, spec.LogPath))
	r.w.logf("container exited", "container", name, "exitCode", code)
	return code, time.Since(started), true
}

// sandboxSpec is what the container runs: the image's entrypoint and
// command unless the container overrides them, with $(VAR) references
// expanded; the image's files, the pod's /etc/hosts and the volumes.
func (r *containerRunner) sandboxSpec(ctx context.Context, img *Image, restart int32) (sandbox.Spec, error) {
	env, err := r.w.containerEnv(ctx, r.c, img)
	if err != nil {
		return sandbox.Spec{}, err
	}
	argv := append([]string(nil), img.Entrypoint...)
	args := img.Cmd
	if len(r.c.Command) > 0 {
		argv = append([]string(nil), r.c.Command...)
		args = nil
	}
	if len(r.c.Args) > 0 {
		args = r.c.Args
	}
	argv = append(argv, args...)
	for i := range argv {
		argv[i] = expand(argv[i], env)
	}
	if len(argv) == 0 {
		return sandbox.Spec{}, fmt.Errorf("container %q: neither the container nor image %s gives a command", r.c.Name, r.c.Image)
	}
	// A fresh writable layer per run, as a container runtime gives a
	// restarted container.
	rw := filepath.Join(r.w.dir, "containers", r.c.Name, fmt.Sprint(restart))
	if err := os.RemoveAll(filepath.Dir(rw)); err != nil {
		return sandbox.Spec{}, err
	}
	if err := os.MkdirAll(filepath.Join(rw, "sandbox"), 0o755); err != nil {
		return sandbox.Spec{}, err
	}
	mounts, err := img.layers(rw)
	if err != nil {
		return sandbox.Spec{}, err
	}
	etc := filepath.Join(rw, "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return sandbox.Spec{}, err
	}
	if err := os.WriteFile(filepath.Join(etc, "hostname"), []byte(r.w.hostname()+"\n"), 0o644); err != nil {
		return sandbox.Spec{}, err
	}
	mounts = append(mounts,
		sandbox.Mount{Source: filepath.Join(r.w.dir, "etc-hosts"), Target: "/etc/hosts", ReadOnly: true},
		sandbox.Mount{Source: filepath.Join(etc, "hostname"), Target: "/etc/hostname", ReadOnly: true},
	)
	vm, err := volumeMounts(r.c, r.vols)
	if err != nil {
		return sandbox.Spec{}, err
	}
	mounts = append(mounts, vm...)
	logPath, err := r.w.a.containerLog(r.w.pod(), r.c.Name, restart)
	if err != nil {
		return sandbox.Spec{}, err
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	envList := make([]string, len(keys))
	for i, k := range keys {
		envList[i] = k + "=" + env[k]
	}
	wd := r.c.WorkingDir
	if wd == "" {
		wd = img.WorkingDir
	}
	return sandbox.Spec{
		StateDir: filepath.Join(rw, "sandbox"), Hostname: r.w.hostname(),
		Mounts: mounts, Argv: argv, Env: envList, WorkingDir: wd, LogPath: logPath,
	}, nil
}

func containerID(pod *corev1.Pod, name string, restart int32) string {
	return fmt.Sprintf("nodeagent://%s-%s-%d", pod.UID, name, restart)
}

// stop ends the container: SIGTERM, then SIGKILL after the grace period,
// as a kubelet does for a deleted pod. It returns once the process is gone.
func (r *containerRunner) stop(grace time.Duration) {
	r.once.Do(func() { close(r.stopped) })
	r.mu.Lock()
	proc := r.proc
	r.mu.Unlock()
	if proc != nil {
		terminate(proc, grace)
	}
	<-r.done
}

func terminate(proc *sandbox.Process, grace time.Duration) {
	select {
	case <-proc.Done():
		return
	default:
	}
	if grace > 0 {
		if err := proc.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			proc.Kill()
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-proc.Done():
			return
		case <-t.C:
		}
	}
	proc.Kill()
	<-proc.Done()
}

// signal sends sig to the container's processes, as `kubectl exec -- kill`
// would; the e2e tests use it to crash a JobManager.
func (r *containerRunner) signal(sig syscall.Signal) error {
	r.mu.Lock()
	proc := r.proc
	r.mu.Unlock()
	if proc == nil {
		return fmt.Errorf("container %q has not started", r.c.Name)
	}
	return proc.Signal(sig)
}
