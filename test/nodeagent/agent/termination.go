package agent

import (
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// A kubelet's limits on a termination message: the file's first 4096
// bytes; from the log, its last 80 lines and at most 2048 bytes.
const (
	maxTerminationMessage = 4096
	maxLogMessageLines    = 80
	maxLogMessageBytes    = 2048
)

// terminationMessage is what a kubelet reports as the terminated state's
// message: what the container wrote at its terminationMessagePath and,
// with FallbackToLogsOnError, the end of its log when it failed without
// writing anything. A kubelet bind-mounts a file of its own at that path;
// this node reads the file where the container's volumes put it on the
// host, so only a path inside a volume mount is read. The default,
// /dev/termination-log, is the host's /dev here and yields nothing but the
// fallback.
func (r *containerRunner) terminationMessage(code int, logPath string) string {
	msg := ""
	if host, ok := r.hostPath(r.c.TerminationMessagePath); ok {
		if data, err := os.ReadFile(host); err == nil {
			if len(data) > maxTerminationMessage {
				data = data[:maxTerminationMessage]
			}
			msg = string(data)
		}
	}
	if msg == "" && code != 0 && r.c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError {
		msg = logTail(logPath)
	}
	return msg
}

// hostPath maps a path in the container to the host file of the volume
// mounted over it.
func (r *containerRunner) hostPath(p string) (string, bool) {
	if p == "" {
		return "", false
	}
	for _, m := range r.c.VolumeMounts {
		v, ok := r.vols[m.Name]
		if !ok {
			continue
		}
		rel, err := filepath.Rel(m.MountPath, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		src := v.dir
		if m.SubPath != "" {
			src = filepath.Join(v.dir, filepath.FromSlash(m.SubPath))
		}
		return filepath.Join(src, rel), true
	}
	return "", false
}

// logTail is the end of a container's log as a kubelet cuts it for a
// termination message.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > maxLogMessageLines {
		lines = lines[len(lines)-maxLogMessageLines:]
	}
	out := strings.Join(lines, "\n")
	if len(out) > maxLogMessageBytes {
		out = out[len(out)-maxLogMessageBytes:]
	}
	return out
}
