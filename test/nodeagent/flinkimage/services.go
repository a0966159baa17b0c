package flinkimage

import "fmt"

// flink-console.sh services and their main classes (§2).
const (
	ServiceStandaloneSession     = "standalonesession"
	ServiceStandaloneJob         = "standalonejob"
	ServiceTaskExecutor          = "taskexecutor"
	ServiceKubernetesSession     = "kubernetes-session"
	ServiceKubernetesApplication = "kubernetes-application"
	ServiceKubernetesTaskManager = "kubernetes-taskmanager"
)

var mainClasses = map[string]string{
	ServiceStandaloneSession:     "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
	ServiceStandaloneJob:         "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint",
	ServiceTaskExecutor:          "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
	ServiceKubernetesSession:     "org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint",
	ServiceKubernetesApplication: "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint",
	ServiceKubernetesTaskManager: "org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner",
}

// MainClass returns the Java main class flink-console.sh runs for a service.
func MainClass(service string) (string, error) {
	c, ok := mainClasses[service]
	if !ok {
		return "", fmt.Errorf("look up the main class of flink-console.sh service %q: not one of the emulated services", service)
	}
	return c, nil
}

// IsTaskManagerService reports whether a service is a TaskManager (for the java options and
// the placement of the pod's bind properties).
func IsTaskManagerService(service string) bool {
	return service == ServiceTaskExecutor || service == ServiceKubernetesTaskManager
}

// JobManagerHostPort splits jobmanager.sh's arguments after start-foreground into the legacy
// positional host and port and the remaining (dynamic) arguments (§2): if the first argument
// is empty or exactly "-D" all arguments are dynamic; otherwise it is the host, and the second
// is the port unless it is empty or "-D".
func JobManagerHostPort(args []string) (host, port string, rest []string) {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch {
	case arg(0) == "" || arg(0) == "-D":
		return "", "", args
	case arg(1) == "" || arg(1) == "-D":
		return arg(0), "", args[1:]
	default:
		return arg(0), arg(1), args[2:]
	}
}

// JobManagerProgramArgs builds the session JobManager's program arguments (jobmanager.sh):
// 1.x: <mem -D> --configDir D --executionMode cluster <pod -D> <user> [--host H] [--webui-port P];
// 2.x: <mem -D> --configDir D <pod -D> <user> [-D jobmanager.rpc.address=H] [-D rest.port=P].
func JobManagerProgramArgs(v Version, confDir string, memDynamic, podArgs, userArgs []string, host, port string) []string {
	args := append([]string{}, memDynamic...)
	args = append(args, "--configDir", confDir)
	if v.Legacy() {
		args = append(args, "--executionMode", "cluster")
	}
	args = append(args, podArgs...)
	args = append(args, userArgs...)
	if host != "" {
		if v.Legacy() {
			args = append(args, "--host", host)
		} else {
			args = append(args, "-D", "jobmanager.rpc.address="+host)
		}
	}
	if port != "" {
		if v.Legacy() {
			args = append(args, "--webui-port", port)
		} else {
			args = append(args, "-D", "rest.port="+port)
		}
	}
	return args
}

// StandaloneJobProgramArgs builds the application JobManager's program arguments
// (standalone-job.sh): --configDir D <mem -D> <pod -D> <user>. The pod's properties precede
// the user's arguments because everything from the first unknown token on goes to main().
func StandaloneJobProgramArgs(confDir string, memDynamic, podArgs, userArgs []string) []string {
	args := append([]string{"--configDir", confDir}, memDynamic...)
	args = append(args, podArgs...)
	return append(args, userArgs...)
}

// TaskManagerProgramArgs builds the standalone TaskManager's program arguments
// (taskmanager.sh): --configDir D <mem -D> <user> <pod -D>.
func TaskManagerProgramArgs(confDir string, memDynamic, userArgs, podArgs []string) []string {
	args := append([]string{"--configDir", confDir}, memDynamic...)
	args = append(args, userArgs...)
	return append(args, podArgs...)
}

// KubernetesJobManagerProgramArgs builds the native JobManager's program arguments
// (kubernetes-jobmanager.sh): <mem -D> <pod -D> <user>, with no --configDir (the entrypoint
// reads FLINK_CONF_DIR).
func KubernetesJobManagerProgramArgs(memDynamic, podArgs, userArgs []string) []string {
	args := append([]string{}, memDynamic...)
	args = append(args, podArgs...)
	return append(args, userArgs...)
}

// KubernetesTaskManagerProgramArgs builds the native TaskManager's program arguments
// (kubernetes-taskmanager.sh): --configDir D <user> <pod -D>. The user arguments carry the
// JobManager's forwarded dynamic properties, which the pod's own address must override.
func KubernetesTaskManagerProgramArgs(confDir string, userArgs, podArgs []string) []string {
	args := append([]string{"--configDir", confDir}, userArgs...)
	return append(args, podArgs...)
}
