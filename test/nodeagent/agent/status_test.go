package agent

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testImage = &Image{ID: "flink-operator.dev/flink-dist@2.2.1"}

func statusPod(policy corev1.RestartPolicy, initContainers ...string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"},
		Spec: corev1.PodSpec{RestartPolicy: policy,
			Containers: []corev1.Container{{Name: "main", Image: "flink:2.2"}}},
	}
	for _, name := range initContainers {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{Name: name, Image: "flink:2.2"})
	}
	return pod
}

// conditions maps each condition type to its status.
func conditions(st corev1.PodStatus) map[corev1.PodConditionType]corev1.ConditionStatus {
	out := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range st.Conditions {
		out[c.Type] = c.Status
	}
	return out
}

// startedStatus is a pod run up to its regular containers, as the pod worker
// does with no init containers.
func startedStatus(pod *corev1.Pod) *podStatus {
	s := newPodStatus(pod)
	s.sandboxReady("127.1.0.2")
	s.volumesReady()
	s.initialized()
	return s
}

func TestStatusPendingWithInitContainers(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyAlways, "fetch-jar")
	s := newPodStatus(pod)
	s.sandboxReady("127.1.0.2")
	s.volumesReady()
	s.running("fetch-jar", true, testImage, "id-0", time.Now())

	st := s.build(pod)
	assert.Equal(t, corev1.PodPending, st.Phase)
	assert.Equal(t, "127.1.0.2", st.PodIP)
	assert.Equal(t, map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodReadyToStartContainers: corev1.ConditionTrue,
		corev1.PodInitialized:            corev1.ConditionFalse,
		corev1.ContainersReady:           corev1.ConditionFalse,
		corev1.PodReady:                  corev1.ConditionFalse,
	}, conditions(st))
	require.Len(t, st.InitContainerStatuses, 1)
	assert.NotNil(t, st.InitContainerStatuses[0].State.Running)
	require.Len(t, st.ContainerStatuses, 1)
	require.NotNil(t, st.ContainerStatuses[0].State.Waiting)
	assert.Equal(t, "PodInitializing", st.ContainerStatuses[0].State.Waiting.Reason)
}

func TestStatusRunningReady(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyAlways)
	s := startedStatus(pod)
	s.running("main", false, testImage, "id-0", time.Now())

	st := s.build(pod)
	assert.Equal(t, corev1.PodRunning, st.Phase)
	assert.Equal(t, corev1.ConditionFalse, conditions(st)[corev1.PodReady], "not ready before its probes pass")

	s.started("main")
	s.ready("main", true)
	st = s.build(pod)
	assert.Equal(t, corev1.PodRunning, st.Phase)
	assert.Equal(t, map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodReadyToStartContainers: corev1.ConditionTrue,
		corev1.PodInitialized:            corev1.ConditionTrue,
		corev1.ContainersReady:           corev1.ConditionTrue,
		corev1.PodReady:                  corev1.ConditionTrue,
	}, conditions(st))
	cs := st.ContainerStatuses[0]
	assert.True(t, cs.Ready)
	assert.Equal(t, testImage.ID, cs.ImageID)
	assert.Equal(t, "id-0", cs.ContainerID)
}

func TestStatusEndedContainer(t *testing.T) {
	tests := []struct {
		name   string
		policy corev1.RestartPolicy
		code   int
		phase  corev1.PodPhase
	}{
		// Always: the container restarts, the pod stays Running.
		{"always, exit 0", corev1.RestartPolicyAlways, 0, corev1.PodRunning},
		{"always, exit 1", corev1.RestartPolicyAlways, 1, corev1.PodRunning},
		{"unset policy, exit 1", "", 1, corev1.PodRunning},
		{"never, exit 0", corev1.RestartPolicyNever, 0, corev1.PodSucceeded},
		{"never, exit 1", corev1.RestartPolicyNever, 1, corev1.PodFailed},
		{"on failure, exit 0", corev1.RestartPolicyOnFailure, 0, corev1.PodSucceeded},
		{"on failure, exit 1", corev1.RestartPolicyOnFailure, 1, corev1.PodRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := statusPod(tt.policy)
			s := startedStatus(pod)
			start := time.Now()
			s.running("main", false, testImage, "id-0", start)
			s.ready("main", true)
			s.terminated("main", false, tt.code, start, start.Add(time.Second), "")

			st := s.build(pod)
			assert.Equal(t, tt.phase, st.Phase)
			assert.Equal(t, corev1.ConditionFalse, conditions(st)[corev1.PodReady])
			term := st.ContainerStatuses[0].State.Terminated
			require.NotNil(t, term)
			assert.Equal(t, int32(tt.code), term.ExitCode)
			assert.Equal(t, map[bool]string{true: "Completed", false: "Error"}[tt.code == 0], term.Reason)
		})
	}
}

func TestStatusInitContainerFailedWithNever(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyNever, "fetch-jar")
	s := newPodStatus(pod)
	s.sandboxReady("127.1.0.2")
	s.volumesReady()
	start := time.Now()
	s.running("fetch-jar", true, testImage, "id-0", start)
	s.terminated("fetch-jar", true, 2, start, start.Add(time.Second), "")
	s.failed()

	st := s.build(pod)
	assert.Equal(t, corev1.PodFailed, st.Phase)
	assert.Equal(t, corev1.ConditionFalse, conditions(st)[corev1.PodInitialized])
	assert.Equal(t, int32(2), st.InitContainerStatuses[0].State.Terminated.ExitCode)
	assert.NotNil(t, st.ContainerStatuses[0].State.Waiting, "the main container never ran")
}

func TestStatusRestart(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyAlways)
	s := startedStatus(pod)
	first := time.Now()
	assert.Equal(t, int32(0), s.runs("main", false))
	s.running("main", false, testImage, "id-0", first)
	s.terminated("main", false, 137, first, first.Add(time.Second), "")
	s.backingOff("main", false, 10*time.Second)

	st := s.build(pod)
	assert.Equal(t, corev1.PodRunning, st.Phase, "backing off before a restart")
	cs := st.ContainerStatuses[0]
	require.NotNil(t, cs.State.Waiting)
	assert.Equal(t, "CrashLoopBackOff", cs.State.Waiting.Reason)
	require.NotNil(t, cs.LastTerminationState.Terminated)
	assert.Equal(t, int32(137), cs.LastTerminationState.Terminated.ExitCode)
	assert.Equal(t, int32(0), cs.RestartCount)

	assert.Equal(t, int32(1), s.runs("main", false))
	s.running("main", false, testImage, "id-1", first.Add(11*time.Second))
	cs = s.build(pod).ContainerStatuses[0]
	assert.Equal(t, int32(1), cs.RestartCount)
	assert.NotNil(t, cs.State.Running)
	require.NotNil(t, cs.LastTerminationState.Terminated)
	assert.Equal(t, int32(137), cs.LastTerminationState.Terminated.ExitCode)
	assert.Equal(t, "id-0", cs.LastTerminationState.Terminated.ContainerID)

	// Restarted at once (no back-off): running() itself moves the exit
	// to lastState.
	s.terminated("main", false, 1, first, first.Add(time.Minute), "")
	s.running("main", false, testImage, "id-2", first.Add(time.Minute))
	cs = s.build(pod).ContainerStatuses[0]
	assert.Equal(t, int32(2), cs.RestartCount)
	require.NotNil(t, cs.LastTerminationState.Terminated)
	assert.Equal(t, int32(1), cs.LastTerminationState.Terminated.ExitCode)
}

func TestStatusContinuesRestartCountOfPreviousAgent(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyAlways)
	earlier := &corev1.ContainerStateTerminated{ExitCode: 143, Reason: "Error"}
	lastExit := &corev1.ContainerStateTerminated{ExitCode: 137}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: "main", RestartCount: 2,
		State:                corev1.ContainerState{Terminated: lastExit},
		LastTerminationState: corev1.ContainerState{Terminated: earlier},
	}}
	s := startedStatus(pod)
	assert.Equal(t, int32(3), s.runs("main", false), "runs 0, 1 and 2 were the previous agent's")
	cs := s.build(pod).ContainerStatuses[0]
	assert.Equal(t, int32(2), cs.RestartCount)
	assert.Equal(t, lastExit, cs.LastTerminationState.Terminated, "the exit the old status showed is now the last one")

	s.running("main", false, testImage, "id-3", time.Now())
	cs = s.build(pod).ContainerStatuses[0]
	assert.Equal(t, int32(3), cs.RestartCount)
	assert.NotNil(t, cs.State.Running)
}

// A container the old status shows running died with the previous agent;
// its exit was never seen, and it is reported as a kubelet reports a
// container it lost.
func TestStatusReportsRunLostWithPreviousAgent(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyAlways)
	started := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: "main", RestartCount: 1,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
	}}
	s := startedStatus(pod)
	cs := s.build(pod).ContainerStatuses[0]
	require.NotNil(t, cs.LastTerminationState.Terminated)
	assert.Equal(t, "ContainerStatusUnknown", cs.LastTerminationState.Terminated.Reason)
	assert.Equal(t, int32(137), cs.LastTerminationState.Terminated.ExitCode)
	assert.Equal(t, started, cs.LastTerminationState.Terminated.StartedAt)
}

func TestStatusKeepsConditionTransitionTimes(t *testing.T) {
	pod := statusPod(corev1.RestartPolicyAlways)
	s := startedStatus(pod)
	s.running("main", false, testImage, "id-0", time.Now())
	s.ready("main", true)
	then := metav1.NewTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	pod.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: then},
		{Type: corev1.PodInitialized, Status: corev1.ConditionFalse, LastTransitionTime: then},
	}
	for _, c := range s.build(pod).Conditions {
		switch c.Type {
		case corev1.PodReady:
			assert.Equal(t, then, c.LastTransitionTime, "Ready did not change")
		case corev1.PodInitialized:
			assert.NotEqual(t, then, c.LastTransitionTime, "Initialized changed to True")
		}
	}
}
