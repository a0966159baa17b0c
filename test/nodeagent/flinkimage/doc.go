// Package flinkimage re-implements the start-up of the official Flink container image
// (apache/flink-docker's docker-entrypoint.sh and the distribution's bin/*.sh scripts) for the
// node agent's emulated `flink:<minor>` images. The binary built from
// test/nodeagent/cmd/flink-image is placed in the container at /docker-entrypoint.sh and under
// the script names in /opt/flink/bin; it dispatches on the name it was started under (see
// Main), does what the shell script of that name does, and finally replaces itself with the
// JVM (syscall.Exec), so the JVM is the container's main process as in the real image.
//
// The behaviour follows the facts collected in the project's flink-process-facts reference
// (sections are cited in comments as §n). The logic lives in pure functions (argument and
// environment construction) that the tests drive without a JVM; the side effects (running
// BashJavaUtils, writing the configuration, the pid file, exec) are in run*.go and exec.go.
//
// # Versions
//
// The distribution's version is read from the name of lib/flink-dist-<version>.jar. 1.x
// behaves like Flink 1.20 (flink-conf.yaml preferred over config.yaml, --executionMode and
// --host/--webui-port for the session JobManager); 2.x like Flink 2.x (config.yaml only,
// positional host/port translated into -D).
//
// # Deliberate deviation: bind addresses
//
// The image binds its servers to the wildcard address (it rewrites the bind hosts to 0.0.0.0).
// The node agent's pods share the host's network namespace, each with its own 127.x address,
// so two pods binding 0.0.0.0:8081 (or 6123, 6124, 6122) would collide. Therefore, and only
// here (see podaddr.go), every Flink process gets
//
//	-D rest.bind-address=<ip> -D jobmanager.bind-host=<ip> -D taskmanager.bind-host=<ip>
//
// and TaskManagers also -D taskmanager.host=<ip>, where <ip> is the pod's own address: the
// address /etc/hosts gives for the container's hostname (what `hostname -i` prints; the agent
// writes the pod's /etc/hosts). Dynamic properties win over the configuration file. For
// JobManagers they are placed before the user's arguments, because standalone-job hands every
// token from the first unknown one on to the job's main(). For TaskManagers they are placed
// last, because a native TaskManager's arguments carry the JobManager's own dynamic properties
// (Flink forwards every key that differs from the conf file, including the JobManager's bind
// hosts), and the TaskManager's own address must win over those (the last -D of a key wins).
//
// Test-only: the environment variable FLINK_IMAGE_POD_IP overrides the address lookup. It
// exists so the binary can be tried on a host outside the agent's sandbox, where the
// container's /etc/hosts cannot be provided; pods never set it.
//
// # Omitted image steps
//
//   - jemalloc: the image LD_PRELOADs libjemalloc when it exists. The emulated container uses
//     the host's /usr, where libjemalloc is normally not installed; the image itself then only
//     prints a warning and uses glibc, so this implementation skips the step silently.
//   - gosu/su-exec: 1.20–2.1 drop root to user flink (uid 9999) and 2.2 runs as that user. The
//     agent runs containers as root in a private mount namespace, and no flink user exists in
//     the host's /etc/passwd, so privileges are not dropped.
//   - history-server and the `start`/daemon mode are not emulated; the operator never uses them.
package flinkimage
