package flinkimage

import "fmt"

// checkForeground accepts the only mode the image uses: start-foreground (§1, Dispatch).
func checkForeground(script string, args []string) error {
	if len(args) == 0 || args[0] != "start-foreground" {
		return fmt.Errorf("Usage: %s start-foreground [args] (only the foreground mode the image uses is emulated)", script)
	}
	return nil
}

// addJavaOpts appends the JobManager's or TaskManager's own java options (§3.4). For
// TaskManagers, -XX:+UseG1GC is added to JVM_ARGS only when no java options are set at all,
// which never happens after config.sh but is kept as the scripts have it.
func addJavaOpts(env Env, taskManager bool) {
	if taskManager {
		if env.Get("FLINK_ENV_JAVA_OPTS") == "" && env.Get("FLINK_ENV_JAVA_OPTS_TM") == "" {
			env["JVM_ARGS"] = env.Get("JVM_ARGS") + " -XX:+UseG1GC"
		}
		env["FLINK_ENV_JAVA_OPTS"] = env.Get("FLINK_ENV_JAVA_OPTS") + " " + env.Get("FLINK_ENV_JAVA_OPTS_TM")
		return
	}
	env["FLINK_ENV_JAVA_OPTS"] = env.Get("FLINK_ENV_JAVA_OPTS") + " " + env.Get("FLINK_ENV_JAVA_OPTS_JM")
}

// jobManagerScript is bin/jobmanager.sh start-foreground [host [port]] [-D k=v ...].
func (rt *Runtime) jobManagerScript(home string, args []string) error {
	if err := checkForeground("jobmanager.sh", args); err != nil {
		return err
	}
	host, port, rest := JobManagerHostPort(args[1:])
	ctx, err := rt.configSh(home)
	if err != nil {
		return err
	}
	addJavaOpts(rt.Env, false)
	mem, err := rt.resourceParams(ctx, "GET_JM_RESOURCE_PARAMS", rest)
	if err != nil {
		return err
	}
	pod, err := rt.podBindArgs(false)
	if err != nil {
		return err
	}
	return rt.console(ctx, ServiceStandaloneSession, JobManagerProgramArgs(ctx.version, ctx.dirs.Conf, mem, pod, rest, host, port))
}

// standaloneJobScript is bin/standalone-job.sh start-foreground <args>.
func (rt *Runtime) standaloneJobScript(home string, args []string) error {
	if err := checkForeground("standalone-job.sh", args); err != nil {
		return err
	}
	user := args[1:]
	ctx, err := rt.configSh(home)
	if err != nil {
		return err
	}
	addJavaOpts(rt.Env, false)
	mem, err := rt.resourceParams(ctx, "GET_JM_RESOURCE_PARAMS", user)
	if err != nil {
		return err
	}
	pod, err := rt.podBindArgs(false)
	if err != nil {
		return err
	}
	return rt.console(ctx, ServiceStandaloneJob, StandaloneJobProgramArgs(ctx.dirs.Conf, mem, pod, user))
}

// taskManagerScript is bin/taskmanager.sh start-foreground [-D k=v ...].
func (rt *Runtime) taskManagerScript(home string, args []string) error {
	if err := checkForeground("taskmanager.sh", args); err != nil {
		return err
	}
	user := args[1:]
	ctx, err := rt.configSh(home)
	if err != nil {
		return err
	}
	addJavaOpts(rt.Env, true)
	mem, err := rt.resourceParams(ctx, "GET_TM_RESOURCE_PARAMS", user)
	if err != nil {
		return err
	}
	pod, err := rt.podBindArgs(true)
	if err != nil {
		return err
	}
	return rt.console(ctx, ServiceTaskExecutor, TaskManagerProgramArgs(ctx.dirs.Conf, mem, user, pod))
}

// kubernetesJobManagerScript is bin/kubernetes-jobmanager.sh
// kubernetes-session|kubernetes-application [args].
func (rt *Runtime) kubernetesJobManagerScript(home string, args []string) error {
	if len(args) == 0 || (args[0] != ServiceKubernetesSession && args[0] != ServiceKubernetesApplication) {
		return fmt.Errorf("Usage: kubernetes-jobmanager.sh (%s|%s) [args]", ServiceKubernetesSession, ServiceKubernetesApplication)
	}
	service, user := args[0], args[1:]
	ctx, err := rt.configSh(home)
	if err != nil {
		return err
	}
	addJavaOpts(rt.Env, false)
	mem, err := rt.resourceParams(ctx, "GET_JM_RESOURCE_PARAMS", user)
	if err != nil {
		return err
	}
	pod, err := rt.podBindArgs(false)
	if err != nil {
		return err
	}
	return rt.console(ctx, service, KubernetesJobManagerProgramArgs(mem, pod, user))
}

// kubernetesTaskManagerScript is bin/kubernetes-taskmanager.sh [args]: no BashJavaUtils, the
// memory flags come from FLINK_TM_JVM_MEM_OPTS, which the JobManager computed (§2).
func (rt *Runtime) kubernetesTaskManagerScript(home string, args []string) error {
	ctx, err := rt.configSh(home)
	if err != nil {
		return err
	}
	addJavaOpts(rt.Env, true)
	rt.Env["JVM_ARGS"] = rt.Env.Get("JVM_ARGS") + " " + rt.Env.Get("FLINK_TM_JVM_MEM_OPTS")
	pod, err := rt.podBindArgs(true)
	if err != nil {
		return err
	}
	return rt.console(ctx, ServiceKubernetesTaskManager, KubernetesTaskManagerProgramArgs(ctx.dirs.Conf, args, pod))
}
