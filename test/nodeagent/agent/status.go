package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podStatus is what the agent knows of a pod's containers; it reports it
// as the pod's status the way a kubelet's status manager does.
type podStatus struct {
	mu         sync.Mutex
	podIP      string
	startTime  metav1.Time
	sandbox    bool // addresses assigned: PodReadyToStartContainers
	volumes    bool
	initDone   bool
	failedInit bool
	init       []*corev1.ContainerStatus
	main       []*corev1.ContainerStatus
	// ran counts the runs of each container ("init/" or "main/" + name);
	// restartCount is one less.
	ran   map[string]int32
	dirty chan struct{}
}

func newPodStatus(pod *corev1.Pod) *podStatus {
	s := &podStatus{startTime: metav1.Now(), dirty: make(chan struct{}, 1), ran: map[string]int32{}}
	if pod.Status.StartTime != nil {
		s.startTime = *pod.Status.StartTime
	}
	// A restarted agent carries on the restart counts the pod reports.
	previous := map[string]corev1.ContainerStatus{}
	for _, cs := range append(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses...) {
		previous[cs.Name] = cs
	}
	mk := func(c corev1.Container, kind string) *corev1.ContainerStatus {
		cs := &corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
		if p, ok := previous[c.Name]; ok && (p.State.Running != nil || p.State.Terminated != nil || p.RestartCount > 0) {
			cs.RestartCount = p.RestartCount
			cs.LastTerminationState = p.LastTerminationState
			// The run the old status shows is now the last one. A run it
			// shows as running ended with the agent (Pdeathsig): its exit
			// was not seen, as a kubelet reports a container it lost.
			switch {
			case p.State.Terminated != nil:
				cs.LastTerminationState = corev1.ContainerState{Terminated: p.State.Terminated}
			case p.State.Running != nil:
				cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 137, Reason: "ContainerStatusUnknown", StartedAt: p.State.Running.StartedAt,
					Message: "The container could not be located when the pod was terminated"}}
			}
			s.ran[kind+c.Name] = p.RestartCount + 1
		}
		return cs
	}
	for _, c := range pod.Spec.InitContainers {
		s.init = append(s.init, mk(c, "init/"))
	}
	for _, c := range pod.Spec.Containers {
		cs := mk(c, "main/")
		if len(pod.Spec.InitContainers) > 0 {
			cs.State.Waiting.Reason = "PodInitializing"
		}
		s.main = append(s.main, cs)
	}
	return s
}

func (s *podStatus) change(fn func()) {
	s.mu.Lock()
	fn()
	s.mu.Unlock()
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

func (s *podStatus) container(name string, init bool) *corev1.ContainerStatus {
	list := s.main
	if init {
		list = s.init
	}
	for _, cs := range list {
		if cs.Name == name {
			return cs
		}
	}
	return &corev1.ContainerStatus{} // not a container of the pod: ignored
}

func (s *podStatus) sandboxReady(ip string) {
	s.change(func() { s.podIP, s.sandbox = ip, true })
}
func (s *podStatus) volumesReady() { s.change(func() { s.volumes = true }) }
func (s *podStatus) initialized()  { s.change(func() { s.initDone = true }) }
func (s *podStatus) failed()       { s.change(func() { s.failedInit = true }) }

func (s *podStatus) waiting(name string, init bool, reason, msg string) {
	s.change(func() {
		cs := s.container(name, init)
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
		cs.Ready = false
	})
}

// waitingAll marks every container that has not run waiting, e.g. on a
// volume that cannot be mounted yet.
func (s *podStatus) waitingAll(reason, msg string) {
	s.change(func() {
		for _, cs := range append(append([]*corev1.ContainerStatus{}, s.init...), s.main...) {
			if cs.State.Waiting != nil {
				cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reason, Message: msg}
			}
		}
	})
}

func (s *podStatus) backingOff(name string, init bool, d time.Duration) {
	s.change(func() {
		cs := s.container(name, init)
		if cs.State.Terminated != nil {
			cs.LastTerminationState = corev1.ContainerState{Terminated: cs.State.Terminated}
		}
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s", d, name)}}
	})
}

// runs is how many times the container has started before.
func (s *podStatus) runs(name string, init bool) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ran[kindOf(init)+name]
}

func kindOf(init bool) string {
	if init {
		return "init/"
	}
	return "main/"
}

func (s *podStatus) running(name string, init bool, img *Image, id string, at time.Time) {
	s.change(func() {
		cs := s.container(name, init)
		if cs.State.Terminated != nil {
			cs.LastTerminationState = corev1.ContainerState{Terminated: cs.State.Terminated}
		}
		if s.ran[kindOf(init)+name] > 0 {
			cs.RestartCount++
		}
		s.ran[kindOf(init)+name]++
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}
		cs.ImageID, cs.ContainerID = img.ID, id
		cs.Started = new(bool)
		cs.Ready = false
	})
}

func (s *podStatus) started(name string) {
	s.change(func() { t := true; s.container(name, false).Started = &t })
}

func (s *podStatus) ready(name string, ready bool) {
	s.change(func() {
		cs := s.container(name, false)
		if cs.State.Running != nil {
			cs.Ready = ready
		}
	})
}

// terminated records an exit; it becomes lastState once the container is
// restarted or backs off, as a kubelet reports it.
func (s *podStatus) terminated(name string, init bool, code int, started, finished time.Time, message string) {
	s.change(func() {
		cs := s.container(name, init)
		reason := "Completed"
		if code != 0 {
			reason = "Error"
		}
		t := &corev1.ContainerStateTerminated{ExitCode: int32(code), Reason: reason, Message: message,
			StartedAt: metav1.NewTime(started), FinishedAt: metav1.NewTime(finished), ContainerID: cs.ContainerID}
		cs.State = corev1.ContainerState{Terminated: t}
		cs.Ready = false
		f := false
		cs.Started = &f
	})
}

// allStopped: every container has been stopped; nothing runs any more.
func (s *podStatus) allStopped() {
	s.change(func() {
		for _, cs := range s.main {
			cs.Ready = false
			if cs.State.Running != nil {
				cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error",
					StartedAt: cs.State.Running.StartedAt, FinishedAt: metav1.Now()}}
			}
		}
	})
}

// build is the pod status: phase and conditions derived from the
// containers as a kubelet derives them.
func (s *podStatus) build(pod *corev1.Pod) corev1.PodStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := corev1.PodStatus{HostIP: "127.0.0.1", HostIPs: []corev1.HostIP{{IP: "127.0.0.1"}}, StartTime: &s.startTime}
	if s.podIP != "" {
		st.PodIP, st.PodIPs = s.podIP, []corev1.PodIP{{IP: s.podIP}}
	}
	copyStatus := func(cs *corev1.ContainerStatus) corev1.ContainerStatus { return *cs.DeepCopy() }
	policy := pod.Spec.RestartPolicy
	running, allDone, anyFailed, allReady := false, true, false, true
	for _, cs := range s.init {
		st.InitContainerStatuses = append(st.InitContainerStatuses, copyStatus(cs))
	}
	for _, cs := range s.main {
		st.ContainerStatuses = append(st.ContainerStatuses, copyStatus(cs))
		switch t := cs.State.Terminated; {
		case cs.State.Running != nil:
			running, allDone = true, false
		case t != nil && (policy == corev1.RestartPolicyAlways || policy == "" ||
			(policy == corev1.RestartPolicyOnFailure && t.ExitCode != 0)):
			running, allDone = true, false // about to restart
		case t != nil:
			anyFailed = anyFailed || t.ExitCode != 0
		default:
			allDone = false
			if cs.LastTerminationState.Terminated != nil {
				running = true // backing off before a restart
			}
		}
		allReady = allReady && cs.Ready
	}
	switch {
	case s.failedInit:
		st.Phase = corev1.PodFailed
	case !s.initDone:
		st.Phase = corev1.PodPending
	case allDone && len(s.main) > 0 && anyFailed:
		st.Phase = corev1.PodFailed
	case allDone && len(s.main) > 0:
		st.Phase = corev1.PodSucceeded
	case running:
		st.Phase = corev1.PodRunning
	default:
		st.Phase = corev1.PodPending
	}
	now := metav1.Now()
	cond := func(t corev1.PodConditionType, ok bool, reason string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, LastTransitionTime: now}
		if ok {
			c.Status, c.Reason = corev1.ConditionTrue, ""
		}
		for _, old := range pod.Status.Conditions {
			if old.Type == t && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		return c
	}
	ready := s.initDone && allReady && len(s.main) > 0 && st.Phase == corev1.PodRunning
	st.Conditions = []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, s.sandbox, ""),
		cond(corev1.PodInitialized, s.initDone, "ContainersNotInitialized"),
		cond(corev1.ContainersReady, ready, "ContainersNotReady"),
		cond(corev1.PodReady, ready, "ContainersNotReady"),
	}
	return st
}

// publish writes the status whenever it changes, until ctx ends.
func (s *podStatus) publish(ctx context.Context, w *podWorker) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.dirty:
		}
		if err := s.write(ctx, w); err != nil && ctx.Err() == nil {
			w.logf("update pod status", "err", err)
			select {
			case s.dirty <- struct{}{}: // try again
			default:
			}
			sleepCtx(ctx, time.Second)
		}
	}
}

// flush writes the final status.
func (s *podStatus) flush(ctx context.Context, w *podWorker) {
	for i := 0; i < 5; i++ {
		// NotFound: the pod is gone. Invalid: the uid guard refused a pod
		// of the same name created since (the API server answers 422).
		if err := s.write(ctx, w); err == nil || apierrors.IsNotFound(err) || apierrors.IsInvalid(err) || ctx.Err() != nil {
			return
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
}

func (s *podStatus) write(ctx context.Context, w *podWorker) error {
	pod := w.pod()
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID}, // fails rather than patch a pod of the same name
		"status":   s.build(pod),
	})
	if err != nil {
		return err
	}
	_, err = w.a.cfg.Client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("patch status of Pod/%s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
