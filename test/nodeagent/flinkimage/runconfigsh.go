package flinkimage

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
)

// scriptContext is what config.sh leaves behind for the script that sourced it.
type scriptContext struct {
	dirs    Dirs
	version Version
	jars    []string
	distJar string
	javaRun string
}

// configSh does what sourcing config.sh does (§3.1): resolve and export the directories, find
// Java, flatten the configuration with BashJavaUtils and derive the env.* variables from it.
// The image sources config.sh twice per start (the script, then flink-console.sh) and so
// flattens twice; the second pass sees the first one's exported variables and computes the same
// values, so it is done once here.
func (rt *Runtime) configSh(home string) (*scriptContext, error) {
	env := rt.Env
	dirs := ResolveDirs(env, home)
	jars, err := FindJars(dirs.Lib)
	if err != nil {
		return nil, err
	}
	dist, err := FlinkDistJar(jars, dirs.Lib)
	if err != nil {
		return nil, err
	}
	version, err := VersionFromDistJar(dist)
	if err != nil {
		return nil, err
	}
	javaRun, err := setJavaRun(env, confFileForJava(dirs.Conf, version))
	if err != nil {
		return nil, err
	}
	ctx := &scriptContext{dirs: dirs, version: version, jars: jars, distJar: dist, javaRun: javaRun}

	flat := ""
	out, runErr := rt.Output(BashJavaUtilsArgv(javaRun, dirs.Bin, dist, "UPDATE_AND_GET_FLINK_CONFIGURATION", dirs.Conf, []string{"-flatten"}), env)
	if res, err := ConfigurationResult(out); err == nil {
		flat = res
	} else {
		// config.sh captures the error text as its configuration and goes on with defaults.
		rt.errorf("flatten the Flink configuration in %s: %v (run error: %v)\n", dirs.Conf, err, runErr)
	}
	if env.Get("HOSTNAME") == "" {
		if h, err := rt.Hostname(); err == nil {
			env["HOSTNAME"] = h
		}
	}
	ApplyConfigSh(env, ConfigShInput{
		Home:            dirs.Home,
		Flat:            flat,
		JavaSpecVersion: func() int { return rt.javaSpecVersion(javaRun) },
		DirExists: func(p string) bool {
			st, err := os.Stat(p)
			return err == nil && st.IsDir()
		},
	})
	return ctx, nil
}

// confFileForJava is the file env.java.home is read from: 1.x prefers flink-conf.yaml, 2.x
// only reads config.yaml (§3.1).
func confFileForJava(confDir string, v Version) string {
	if v.Legacy() {
		legacy := filepath.Join(confDir, "flink-conf.yaml")
		if _, err := os.Stat(legacy); err == nil {
			return legacy
		}
	}
	return filepath.Join(confDir, "config.yaml")
}

// setJavaRun resolves JAVA_HOME and JAVA_RUN like bash-java-utils.sh's setJavaRun: a flat
// env.java.home in the conf file, else $JAVA_HOME; $JAVA_HOME/bin/java if that directory
// exists, else java from PATH. Both variables are exported.
func setJavaRun(env Env, confFile string) (string, error) {
	javaHome := ""
	if confFile != "" {
		if text, err := os.ReadFile(confFile); err == nil {
			javaHome = JavaHomeFromConfFile(string(text))
		}
	}
	if javaHome == "" {
		javaHome = env.Get("JAVA_HOME")
	}
	if javaHome == "" {
		if _, err := lookPath("java", env.Get("PATH")); err != nil {
			return "", fmt.Errorf("Please specify JAVA_HOME. Either in Flink config ./conf/config.yaml or as system-wide JAVA_HOME")
		}
	}
	env["JAVA_HOME"] = javaHome
	javaRun := "java"
	if st, err := os.Stat(javaHome); javaHome != "" && err == nil && st.IsDir() {
		javaRun = filepath.Join(javaHome, "bin", "java")
	}
	env["JAVA_RUN"] = javaRun
	return javaRun, nil
}

var javaSpecProperty = regexp.MustCompile(`java\.specification\.version = (\S+)`)

// javaSpecVersion returns the JVM's major specification version. config.sh runs
// `java -XshowSettings:properties`; reading the JDK's release file gives the same number
// without starting a JVM, so the JVM is only asked when that file is missing.
func (rt *Runtime) javaSpecVersion(javaRun string) int {
	if home := rt.Env.Get("JAVA_HOME"); home != "" {
		if text, err := os.ReadFile(filepath.Join(home, "release")); err == nil {
			if v := JavaSpecFromRelease(string(text)); v > 0 {
				return v
			}
		}
	}
	path, err := lookPath(javaRun, rt.Env.Get("PATH"))
	if err != nil {
		return 0
	}
	out, _ := exec.Command(path, "-XshowSettings:properties", "-version").CombinedOutput()
	m := javaSpecProperty.FindSubmatch(out)
	if m == nil {
		return 0
	}
	spec := string(m[1])
	if i := regexp.MustCompile(`[^.]+$`).FindString(spec); i != "" {
		spec = i // "1.8" counts as 8, like the script's rev|cut|rev
	}
	n, _ := strconv.Atoi(spec)
	return n
}

// resourceParams runs GET_JM_RESOURCE_PARAMS or GET_TM_RESOURCE_PARAMS and exports the
// result like parseResourceParamsAndExportLogs: JVM_ARGS gets the memory flags appended,
// DYNAMIC_PARAMETERS and FLINK_INHERITED_LOGS are set.
func (rt *Runtime) resourceParams(ctx *scriptContext, cmd string, args []string) ([]string, error) {
	out, runErr := rt.Output(BashJavaUtilsArgv(ctx.javaRun, ctx.dirs.Bin, ctx.distJar, cmd, ctx.dirs.Conf, args), rt.Env)
	p, err := ParseResourceParams(cmd, out)
	if err != nil {
		if runErr != nil {
			return nil, fmt.Errorf("%w (run error: %v)", err, runErr)
		}
		return nil, err
	}
	rt.Env["JVM_ARGS"] = rt.Env.Get("JVM_ARGS") + " " + p.JVMFlags
	rt.Env["DYNAMIC_PARAMETERS"] = p.Dynamic
	rt.Env["FLINK_INHERITED_LOGS"] = InheritedLogs(rt.Env.Get("FLINK_INHERITED_LOGS"), p)
	return SplitUnquoted(p.Dynamic), nil
}
