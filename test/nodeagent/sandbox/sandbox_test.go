package sandbox_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/test/nodeagent/sandbox"
)

// TestMain lets the test binary be re-executed as the sandbox init, as the agent's main() does.
func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}

const shellPath = "PATH=/usr/local/bin:/usr/bin:/bin"

// container is a spec with its own state dir and log, running a /bin/sh script.
func container(t *testing.T, script string) sandbox.Spec {
	t.Helper()
	return sandbox.Spec{
		StateDir: t.TempDir(),
		Hostname: "pod",
		Argv:     []string{"/bin/sh", "-c", script},
		Env:      []string{shellPath},
		LogPath:  filepath.Join(t.TempDir(), "container.log"),
	}
}

// run starts spec, waits for it to end and returns its exit code and log.
func run(t *testing.T, spec sandbox.Spec) (int, string) {
	t.Helper()
	p, err := sandbox.Start(spec)
	require.NoError(t, err)
	<-p.Done()
	return p.ExitCode(), readLog(t, spec)
}

func readLog(t *testing.T, spec sandbox.Spec) string {
	t.Helper()
	log, err := os.ReadFile(spec.LogPath)
	require.NoError(t, err)
	return string(log)
}

// writeFile creates a host file with content, and its directory.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestHostnameIsThePodsAndTheHostsIsUnchanged(t *testing.T) {
	before, err := os.Hostname()
	require.NoError(t, err)
	spec := container(t, "hostname")
	spec.Hostname = "flink-jobmanager-0"

	code, log := run(t, spec)

	assert.Equal(t, 0, code, log)
	assert.Equal(t, "flink-jobmanager-0\n", log)
	after, err := os.Hostname()
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func TestWorkingDirIsCreatedInTheContainerAndTmpIsItsOwn(t *testing.T) {
	spec := container(t, "pwd; echo scratch > /tmp/note")
	spec.WorkingDir = "/opt/work/dir"

	code, log := run(t, spec)

	assert.Equal(t, 0, code, log)
	assert.Equal(t, "/opt/work/dir\n", log)
	assert.DirExists(t, filepath.Join(spec.StateDir, "rootfs", "opt", "work", "dir"))
	note, err := os.ReadFile(filepath.Join(spec.StateDir, "tmp", "note"))
	require.NoError(t, err)
	assert.Equal(t, "scratch\n", string(note))
}

// A distribution mounted read-only at a path missing on the host, then a file mounted inside it
// at a path the distribution does not have: neither the host nor the distribution gains anything.
func TestMountInsideAnEarlierMountCreatesNothingOutsideTheContainer(t *testing.T) {
	host := fmt.Sprintf("/opt/sandbox-test-%d", os.Getpid())
	require.NoDirExists(t, host)
	dist := t.TempDir()
	writeFile(t, filepath.Join(dist, "lib", "flink-dist.jar"), "jar")
	conf := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, conf, "jobmanager.rpc.port: 6123\n")
	spec := container(t, "cat "+host+"/conf/config.yaml; ls "+host+"; ls "+host+"/lib")
	spec.Mounts = []sandbox.Mount{
		{Source: dist, Target: host, ReadOnly: true},
		{Source: conf, Target: host + "/conf/config.yaml", ReadOnly: true},
	}

	code, log := run(t, spec)

	assert.Equal(t, 0, code, log)
	assert.Equal(t, "jobmanager.rpc.port: 6123\nconf\nlib\nflink-dist.jar\n", log)
	assert.NoDirExists(t, host, "the mount point must not be created on the host")
	entries, err := os.ReadDir(dist)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the distribution must not gain the conf directory")
	assert.Equal(t, "lib", entries[0].Name())
}

func TestReadOnlyMountIsReadOnlyAndAWritableOneWrites(t *testing.T) {
	ro, rw := t.TempDir(), t.TempDir()
	spec := container(t, "echo x > /data/ro/new || echo refused; echo written > /data/rw/new")
	spec.Mounts = []sandbox.Mount{
		{Source: ro, Target: "/data/ro", ReadOnly: true},
		{Source: rw, Target: "/data/rw"},
	}

	code, log := run(t, spec)

	assert.Equal(t, 0, code, log)
	assert.Contains(t, log, "Read-only file system")
	assert.Contains(t, log, "refused\n")
	assert.NoFileExists(t, filepath.Join(ro, "new"))
	written, err := os.ReadFile(filepath.Join(rw, "new"))
	require.NoError(t, err)
	assert.Equal(t, "written\n", string(written))
}

// The pod's hosts file is what the container sees at /etc/hosts, also after the agent rewrites it
// in place while the container runs; the host's /etc/hosts is untouched and /etc stays read-only.
func TestPodsEtcHostsIsMountedAndFollowsInPlaceRewrites(t *testing.T) {
	hostEtcHosts, err := os.ReadFile("/etc/hosts")
	require.NoError(t, err)
	podHosts := filepath.Join(t.TempDir(), "hosts")
	writeFile(t, podHosts, "127.0.0.5 pod-a localhost\n")
	syncDir := t.TempDir()
	readFifo, goFifo := filepath.Join(syncDir, "read"), filepath.Join(syncDir, "go")
	require.NoError(t, syscall.Mkfifo(readFifo, 0o600))
	require.NoError(t, syscall.Mkfifo(goFifo, 0o600))
	spec := container(t, "cat /etc/hosts; touch /etc/new-file 2>/dev/null || echo etc-read-only; echo read > /sync/read; read line < /sync/go; cat /etc/hosts")
	spec.Mounts = []sandbox.Mount{
		{Source: podHosts, Target: "/etc/hosts"},
		{Source: syncDir, Target: "/sync"},
	}
	p, err := sandbox.Start(spec)
	require.NoError(t, err)
	_, err = os.ReadFile(readFifo)
	require.NoError(t, err)

	// In place: the same inode, truncated and written; then the container may read it again.
	f, err := os.OpenFile(podHosts, os.O_WRONLY|os.O_TRUNC, 0)
	require.NoError(t, err)
	_, err = f.WriteString("127.0.0.5 pod-a localhost\n127.0.0.9 flink-rest\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(goFifo, []byte("go\n"), 0))
	<-p.Done()

	log := readLog(t, spec)
	assert.Equal(t, 0, p.ExitCode(), log)
	assert.Equal(t, "127.0.0.5 pod-a localhost\netc-read-only\n127.0.0.5 pod-a localhost\n127.0.0.9 flink-rest\n", log)
	after, err := os.ReadFile("/etc/hosts")
	require.NoError(t, err)
	assert.Equal(t, string(hostEtcHosts), string(after))
	assert.NoFileExists(t, "/etc/new-file")
}

func TestExitCodeIsReported(t *testing.T) {
	code, log := run(t, container(t, "echo bye; exit 3"))

	assert.Equal(t, 3, code)
	assert.Equal(t, "bye\n", log)
}

// SIGTERM to the container reaches a child the shell started in the background. The main shell
// waits for that child before it dies of the same signal, so the child's reply is in the log by
// Done; the readiness handshake goes through a FIFO, so nothing depends on timing.
func TestSignalReachesTheWholeProcessGroup(t *testing.T) {
	syncDir := t.TempDir()
	fifo := filepath.Join(syncDir, "ready")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	spec := container(t, `
child() { trap 'echo child-got-TERM; exit 0' TERM; echo ready > /sync/ready; while :; do sleep 1; done; }
child & c=$!
trap 'wait "$c"; trap - TERM; kill -TERM $$' TERM
wait "$c"
echo not-reached`)
	spec.Mounts = []sandbox.Mount{{Source: syncDir, Target: "/sync"}}
	p, err := sandbox.Start(spec)
	require.NoError(t, err)
	ready, err := os.ReadFile(fifo)
	require.NoError(t, err)
	require.Equal(t, "ready\n", string(ready))

	require.NoError(t, p.Signal(syscall.SIGTERM))
	<-p.Done()

	assert.Equal(t, 128+int(syscall.SIGTERM), p.ExitCode())
	// The child's shell also reports its foreground sleep as "Terminated".
	assert.Contains(t, readLog(t, spec), "child-got-TERM\n")
	assert.Empty(t, p.SetupError())
}

func TestKillEndsTheContainerWith137(t *testing.T) {
	syncDir := t.TempDir()
	fifo := filepath.Join(syncDir, "ready")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	spec := container(t, "echo ready > /sync/ready; sleep 1000")
	spec.Mounts = []sandbox.Mount{{Source: syncDir, Target: "/sync"}}
	p, err := sandbox.Start(spec)
	require.NoError(t, err)
	_, err = os.ReadFile(fifo)
	require.NoError(t, err)

	p.Kill()
	<-p.Done()

	assert.Equal(t, 137, p.ExitCode())
}

func TestMissingCommandGives127AndTheErrorInTheLog(t *testing.T) {
	spec := container(t, "")
	spec.Argv = []string{"no-such-command", "arg"}

	code, log := run(t, spec)

	assert.Equal(t, sandbox.ExitCommandNotFound, code)
	assert.Contains(t, log, `exec: "no-such-command": executable file not found in $PATH`)
	p, err := sandbox.Start(spec)
	require.NoError(t, err)
	assert.Contains(t, p.SetupError(), "no-such-command")
}

func TestSetupFailureGives126AndTheErrorInTheLog(t *testing.T) {
	spec := container(t, "true")
	missing := filepath.Join(t.TempDir(), "absent")
	spec.Mounts = []sandbox.Mount{{Source: missing, Target: "/data"}}

	code, log := run(t, spec)

	assert.Equal(t, sandbox.ExitSetupFailed, code)
	assert.Contains(t, log, "mount "+missing+" at /data")
}

// The environment is exactly Spec.Env, in order; Argv[0] is found through that PATH.
func TestEnvironmentIsExactlyTheSpecs(t *testing.T) {
	spec := container(t, "")
	spec.Argv = []string{"env"}
	spec.Env = []string{"PATH=/usr/bin:/bin", "FLINK_HOME=/opt/flink", "SPACES=a b  c", "EMPTY="}

	code, log := run(t, spec)

	assert.Equal(t, 0, code, log)
	assert.Equal(t, strings.Join(spec.Env, "\n")+"\n", log)
}

func TestInvalidSpecIsRefusedBeforeStarting(t *testing.T) {
	spec := container(t, "true")
	spec.Argv = nil
	spec.Mounts = []sandbox.Mount{{Source: "relative", Target: "/x"}}

	_, err := sandbox.Start(spec)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "argv is empty")
	assert.Contains(t, err.Error(), "source and target must be absolute paths")
}

// A mount point below a host system directory, reached through the /bin -> usr/bin symlink of a
// merged-/usr host when there is one, is created in the container only.
func TestMountPointBelowAHostSystemDirIsNotCreatedOnTheHost(t *testing.T) {
	name := fmt.Sprintf("sandbox-test-%d", os.Getpid())
	require.NoFileExists(t, "/usr/bin/"+name)
	require.NoDirExists(t, "/usr/share/"+name)
	probe := filepath.Join(t.TempDir(), "probe")
	writeFile(t, probe, "#!/bin/sh\necho probe ran\n")
	require.NoError(t, os.Chmod(probe, 0o755))
	spec := container(t, name+"; cat /usr/share/"+name+"/conf/x; test -x /bin/sh && echo sh-still-there")
	spec.Mounts = []sandbox.Mount{
		{Source: probe, Target: "/bin/" + name, ReadOnly: true},
		{Source: probe, Target: "/usr/share/" + name + "/conf/x"},
	}

	code, log := run(t, spec)

	assert.Equal(t, 0, code, log)
	assert.Equal(t, "probe ran\n#!/bin/sh\necho probe ran\nsh-still-there\n", log)
	assert.NoFileExists(t, "/usr/bin/"+name)
	assert.NoFileExists(t, "/bin/"+name)
	assert.NoDirExists(t, "/usr/share/"+name)
}
