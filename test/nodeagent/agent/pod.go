package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// podWorker runs one pod from its binding to its deletion, as a kubelet's
// pod worker does: volumes first, then the init containers one at a time,
// then the containers, restarted as restartPolicy says, until the pod is
// deleted.
type podWorker struct {
	a   *Agent
	dir string
	ip  string

	mu       sync.Mutex
	latest   *corev1.Pod
	deleting bool // the API server set deletionTimestamp: stop gracefully
	removed  bool // the object is gone (force delete): stop at once
	kick     chan struct{}
	ended    chan struct{} // closed when the pod must stop (deleting, removed or agent shutdown)
	endOnce  sync.Once
	shutting bool // the agent is stopping

	status  *podStatus
	running map[string]*containerRunner // by container name, for signal
}

func newPodWorker(a *Agent, pod *corev1.Pod) *podWorker {
	return &podWorker{
		a: a, dir: a.podDir(pod.UID), latest: pod,
		kick: make(chan struct{}, 1), ended: make(chan struct{}),
		status: newPodStatus(pod),
	}
}

func (w *podWorker) pod() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest
}

func (w *podWorker) update(pod *corev1.Pod) {
	w.mu.Lock()
	w.latest = pod
	if pod.DeletionTimestamp != nil {
		w.deleting = true
	}
	w.mu.Unlock()
	if pod.DeletionTimestamp != nil {
		w.end()
	}
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *podWorker) gone() {
	w.mu.Lock()
	w.removed = true
	w.mu.Unlock()
	w.end()
}

func (w *podWorker) shutdown() {
	w.mu.Lock()
	w.shutting = true
	w.mu.Unlock()
	w.end()
}

func (w *podWorker) end() { w.endOnce.Do(func() { close(w.ended) }) }

// hostname is the pod's hostname, as a kubelet derives it.
func (w *podWorker) hostname() string {
	pod := w.pod()
	h := pod.Name
	if pod.Spec.Hostname != "" {
		h = pod.Spec.Hostname
	}
	if len(h) > 63 {
		h = h[:63]
	}
	return h
}

func (w *podWorker) logf(msg string, args ...any) {
	pod := w.pod()
	w.a.cfg.Log.Info(msg, append([]any{"pod", pod.Namespace + "/" + pod.Name}, args...)...)
}

func (w *podWorker) run(ctx context.Context) {
	pod := w.pod()
	w.ip = w.a.net.assign(pod)
	hostsPath := filepath.Join(w.dir, "etc-hosts")
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		w.logf("create pod folder", "err", err)
	}
	hosts := hostsFile{path: hostsPath, namespace: pod.Namespace, hostname: w.hostname(), ip: w.ip}
	_ = writeHostsFile(hosts, w.a.hostEntries(pod.Namespace))
	w.a.net.track(pod.UID, hosts)
	defer w.a.net.release(pod.UID)

	statusCtx, stopStatus := context.WithCancel(ctx)
	statusDone := make(chan struct{})
	go func() { defer close(statusDone); w.status.publish(statusCtx, w) }()
	w.status.sandboxReady(w.ip)

	runners := w.runPod(ctx)

	// Stop whatever runs: gracefully for a deletion, at once when the
	// object is gone.
	grace := w.gracePeriod()
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Add(1)
		go func() { defer wg.Done(); r.stop(grace) }()
	}
	wg.Wait()
	w.status.allStopped()
	stopStatus()
	<-statusDone

	w.mu.Lock()
	deleting, removed, shutting := w.deleting, w.removed, w.shutting
	w.mu.Unlock()
	if shutting && !deleting {
		// The node goes down; the pod stays bound to it, as with a kubelet
		// that stops. Its last status says its containers ended.
		w.status.flush(ctx, w)
		return
	}
	if !removed {
		w.status.flush(ctx, w)
		if deleting {
			w.finishDeletion(ctx)
		} else {
			// Ran to completion (restartPolicy Never/OnFailure): the pod
			// stays until deleted.
			w.waitForDeletion(ctx)
			w.finishDeletion(ctx)
		}
	}
	if err := os.RemoveAll(w.dir); err != nil {
		w.logf("remove pod folder", "err", err)
	}
}

// runPod prepares volumes, runs the init containers, then starts the
// containers; it returns once the pod must stop or every container has
// ended for good.
func (w *podWorker) runPod(ctx context.Context) []*containerRunner {
	pod := w.pod()
	var vols map[string]volume
	for {
		var err error
		if vols, err = w.prepareVolumes(ctx); err == nil {
			break
		}
		// As a kubelet's FailedMount: the containers wait, the pod stays
		// Pending, and the volumes are tried again.
		w.status.waitingAll("ContainerCreating", err.Error())
		w.logf("prepare volumes", "err", err)
		if !w.sleep(5 * time.Second) {
			return nil
		}
	}
	w.status.volumesReady()

	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		r := newContainerRunner(w, c, vols, true)
		w.setRunner(r)
		ok := r.runInit(ctx)
		if !ok {
			return []*containerRunner{r}
		}
	}
	w.status.initialized()

	runners := make([]*containerRunner, len(pod.Spec.Containers))
	var wg sync.WaitGroup
	for i := range pod.Spec.Containers {
		runners[i] = newContainerRunner(w, &pod.Spec.Containers[i], vols, false)
		w.setRunner(runners[i])
		wg.Add(1)
		go func() { defer wg.Done(); runners[i].run(ctx) }()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-w.ended:
	case <-finished:
	}
	return runners
}

func (w *podWorker) setRunner(r *containerRunner) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running == nil {
		w.running = map[string]*containerRunner{}
	}
	w.running[r.c.Name] = r
}

func (w *podWorker) runner(name string) *containerRunner {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running[name]
}

// sleep waits d unless the pod must stop first; false means it must.
func (w *podWorker) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.ended:
		return false
	case <-t.C:
		return true
	}
}

func (w *podWorker) gracePeriod() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.removed {
		return 0
	}
	pod := w.latest
	secs := ptr.Deref(pod.Spec.TerminationGracePeriodSeconds, 30)
	if pod.DeletionGracePeriodSeconds != nil {
		secs = *pod.DeletionGracePeriodSeconds
	}
	if w.shutting && !w.deleting && secs > 10 {
		secs = 10 // the agent itself is stopping; do not hold the node up
	}
	return time.Duration(secs) * time.Second
}

func (w *podWorker) waitForDeletion(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-w.ended:
	}
}

// finishDeletion removes the pod object once its containers are gone, as a
// kubelet does with a zero grace period and the pod's UID as precondition.
func (w *podWorker) finishDeletion(ctx context.Context) {
	w.mu.Lock()
	removed, shutting, deleting := w.removed, w.shutting, w.deleting
	w.mu.Unlock()
	if removed || (shutting && !deleting) {
		return
	}
	w.a.finishDelete(ctx, w.pod())
}

func (a *Agent) finishDelete(ctx context.Context, pod *corev1.Pod) {
	err := a.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To(int64(0)),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && !errors.Is(err, context.Canceled) {
		a.cfg.Log.Error(fmt.Sprintf("delete Pod/%s/%s after its containers stopped", pod.Namespace, pod.Name), "err", err)
	}
}
