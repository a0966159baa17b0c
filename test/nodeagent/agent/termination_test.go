package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// The termination message is what the container wrote at its
// terminationMessagePath inside a volume, as a kubelet reports it; with
// FallbackToLogsOnError a failed container that wrote nothing reports the
// end of its log; the default path on the host's /dev yields nothing.
func TestTerminationMessage(t *testing.T) {
	vol := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "0.log")
	require.NoError(t, os.WriteFile(logPath, []byte(strings.Repeat("noise\n", 100)+"flink-fetch: 403 Forbidden\n"), 0o644))
	runner := func(path string, policy corev1.TerminationMessagePolicy) *containerRunner {
		return &containerRunner{
			c: &corev1.Container{Name: "fetch-jar", TerminationMessagePath: path, TerminationMessagePolicy: policy,
				VolumeMounts: []corev1.VolumeMount{{Name: "result", MountPath: "/var/run/flink-fetch"}}},
			vols: map[string]volume{"result": {dir: vol}},
		}
	}
	r := runner("/var/run/flink-fetch/jar-id", corev1.TerminationMessageFallbackToLogsOnError)
	require.NoError(t, os.WriteFile(filepath.Join(vol, "jar-id"), []byte("abc_team-a_orders_3.jar"), 0o644))
	assert.Equal(t, "abc_team-a_orders_3.jar", r.terminationMessage(0, logPath))

	require.NoError(t, os.Remove(filepath.Join(vol, "jar-id")))
	failed := r.terminationMessage(1, logPath)
	assert.True(t, strings.HasSuffix(failed, "flink-fetch: 403 Forbidden"), failed)
	assert.Len(t, strings.Split(failed, "\n"), maxLogMessageLines)
	assert.Empty(t, r.terminationMessage(0, logPath), "no fallback on success")
	assert.Empty(t, runner("/var/run/flink-fetch/jar-id", corev1.TerminationMessageReadFile).terminationMessage(1, logPath))
	assert.Empty(t, runner("/dev/termination-log", corev1.TerminationMessageReadFile).terminationMessage(0, logPath))
}
