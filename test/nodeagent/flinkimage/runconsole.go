package flinkimage

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// console is bin/flink-console.sh <SERVICE> <args> (§2, §3.2, §4): classpath, pid file and
// log file name, then exec of the JVM.
func (rt *Runtime) console(ctx *scriptContext, service string, args []string) error {
	env := rt.Env
	mainClass, err := MainClass(service)
	if err != nil {
		return err
	}
	// FLINK_IDENT_STRING defaults to $USER, which containers usually lack: the image's log
	// files are then named flink--<service>-...
	env.Default("FLINK_IDENT_STRING", env.Get("USER"))
	cp, err := FlinkClassPath(ctx.jars, ctx.dirs.Lib)
	if err != nil {
		return err
	}
	id, err := rt.registerPid(env.Get("FLINK_PID_DIR"), env.Get("FLINK_IDENT_STRING"), service)
	if err != nil {
		return err
	}
	base := LogBase(env.Get("FLINK_LOG_DIR"), env.Get("FLINK_IDENT_STRING"), service, id, env.Get("HOSTNAME"))
	redirect := env.Get("STD_REDIRECT_TO_FILE") == "true"
	cmd := JavaCommand{
		JavaRun:     ctx.javaRun,
		JVMArgs:     env.Get("JVM_ARGS"),
		JavaOpts:    env.Get("FLINK_ENV_JAVA_OPTS"),
		LogSettings: LogSettings(base+".log", ctx.dirs.Conf, redirect),
		Classpath:   cp + ":" + InternalHadoopClasspaths(env),
		MainClass:   mainClass,
		Args:        args,
	}
	rt.printf("Starting %s as a console application on host %s.\n", service, env.Get("HOSTNAME"))
	argv := cmd.Argv(env)
	env["FLINK_ENV_JAVA_OPTS"] = strings.Join(EvalEchoWords(cmd.JavaOpts, env), " ")
	if redirect {
		return rt.Exec(argv, env, base+".out", base+".err")
	}
	return rt.Exec(argv, env, "", "")
}

// registerPid keeps flink-console.sh's pid file $FLINK_PID_DIR/flink-<ident>-<service>.pid:
// under a lock on the directory it drops the file when none of its processes is alive, takes
// the number of remaining entries as the log file index, and appends this process's pid
// (which the JVM keeps across exec).
func (rt *Runtime) registerPid(pidDir, ident, service string) (int, error) {
	if err := os.MkdirAll(pidDir, 0o755); err != nil {
		return 0, fmt.Errorf("create the pid directory %s: %w", pidDir, err)
	}
	dir, err := os.Open(pidDir)
	if err != nil {
		return 0, fmt.Errorf("open the pid directory %s to lock it: %w", pidDir, err)
	}
	defer dir.Close()
	if err := syscall.Flock(int(dir.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock the pid directory %s: %w", pidDir, err)
	}
	pidFile := filepath.Join(pidDir, fmt.Sprintf("flink-%s-%s.pid", ident, service))
	lines, err := readLines(pidFile)
	if err != nil {
		return 0, err
	}
	if len(lines) > 0 && !anyAlive(lines) {
		if err := os.Remove(pidFile); err != nil {
			return 0, fmt.Errorf("remove the stale pid file %s: %w", pidFile, err)
		}
		lines = nil
	}
	f, err := os.OpenFile(pidFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		// The script ignores a failed write (2>/dev/null); so does this.
		fmt.Fprintf(f, "%d\n", rt.Getpid())
		f.Close()
	}
	return len(lines), nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the pid file %s: %w", path, err)
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines, s.Err()
}

func anyAlive(pids []string) bool {
	for _, p := range pids {
		pid, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || pid <= 0 {
			continue
		}
		if syscall.Kill(pid, 0) == nil {
			return true
		}
	}
	return false
}
