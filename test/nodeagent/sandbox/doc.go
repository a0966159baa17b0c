// Package sandbox runs one container of a pod as a local process, like a minimal container
// runtime: the node agent of the dev cluster uses it so that the pods the operator renders really
// run, from exactly what the pod says, on a machine without a container runtime.
//
// # What a container gets
//
// Start re-executes the agent's own binary (/proc/self/exe) as the sandbox init, in a fresh mount
// namespace and a fresh UTS namespace and in a process group of its own. Go cannot run code
// between fork and exec, hence the re-exec: the agent's main() must call Init first thing, which
// does nothing in the agent itself. The init builds the container's root under
// Spec.StateDir/rootfs and then becomes the command (exec, so the command's pid is Process.Pid):
//
//   - the host's /usr, /sbin, /lib* (bind mounts; those that are symlinks on the host, as on a
//     merged-/usr system, are recreated as the same symlinks), /etc read-only, /dev and /sys, and
//     a fresh /proc;
//   - a writable /tmp of its own, kept in StateDir/tmp;
//   - the spec's mounts, in order, a later one possibly inside an earlier one;
//   - the pod's hostname, then chroot into the root and chdir to the working directory;
//   - the command, found through the PATH of Spec.Env inside the root, with exactly Spec.Env.
//
// Its stdout and stderr are appended to Spec.LogPath. When the sandbox cannot be built or the
// command cannot be executed, the reason is appended to the log too, the exit code is 127 for a
// command not found and 126 for anything else, and Process.SetupError has the text: the agent
// reports that as a kubelet reports a container that failed to start (StartError).
//
// # Mount points never touch the host
//
// A missing mount point is created in the container's root, which belongs to the container. When
// it would have to be created inside a mount the container does not own (a host system directory,
// or a volume or image directory from outside StateDir: say /opt/flink is a shared, read-only
// Flink distribution and /opt/flink/conf is mounted next), that directory is first "spliced": it
// is covered with a tmpfs that holds the same entries, each bound from the original, and the mount
// point is created in the tmpfs. The original directory is left as it was; new files at the top
// of a spliced directory go to the tmpfs and are lost at exit, as in a container's writable layer.
//
// # /etc/hosts and other files the agent rewrites
//
// A bind mount of a file pins its inode. The agent mounts the pod's own hosts file at /etc/hosts
// and must later update it IN PLACE (truncate and write the same file): writing a new file and
// renaming it over the old one leaves the running container with the old content. The same holds
// for any file the agent mounts and changes later (a projected token, say); mount its directory
// instead when it has to be replaced atomically.
//
// # What is and is not isolated
//
// Pods share the host's network namespace: a sandbox has no network of its own, and the agent
// gives each pod its own loopback address in 127.0.0.0/8 instead (its Flink processes bind to it
// and its /etc/hosts maps its hostname and localhost to it). That is the one deliberate gap: a
// network namespace would need addresses, routes and a bridge that the dev cluster does without.
//
// Isolated: the mount table (nothing mounted inside propagates out, the root is private), the
// hostname, the file system view (chroot; /tmp and the mounted volumes are the container's own).
//
// Not isolated: network (see above), process ids (the host's PID namespace: /proc shows every
// process, and a container can signal processes outside it), users (everything runs as root),
// IPC, cgroups (no resource limits: a pod's limits are not enforced), and the host's system
// directories are shared (read-only /etc, but /usr and /dev are as writable as on the host).
// chroot is not a security boundary; this is a test harness, not a runtime for untrusted code.
//
// # Processes
//
// The container's processes are one process group, led by the main process: Signal and Kill
// reach all of them, including children that a shell started in the background. Process reaps
// the main process only; children that outlive it are re-parented to the host's init (the agent
// sets no subreaper), so none is left as a zombie of the agent. Unlike with a real kubelet,
// a container's main process dies with the agent (Pdeathsig SIGKILL): a dev cluster torn down
// hard must not leave JVMs holding its addresses.
package sandbox
