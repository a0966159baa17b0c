package flinkimage

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EntrypointDispatch is what docker-entrypoint.sh does with its arguments after the preamble.
type EntrypointDispatch struct {
	// Script is the bin/ script exec'd with start-foreground, or "" for help/pass-through.
	Script string
	// Args are the script's arguments (after start-foreground) or the pass-through command.
	Args []string
	Help bool
	// Banner is what the entrypoint echoes before exec.
	Banner string
}

// DispatchEntrypoint maps the entrypoint's arguments to the exec it performs (§1 Dispatch).
func DispatchEntrypoint(args []string) EntrypointDispatch {
	if len(args) == 0 {
		return EntrypointDispatch{}
	}
	rest := args[1:]
	switch args[0] {
	case "help":
		return EntrypointDispatch{Help: true}
	case "jobmanager":
		return EntrypointDispatch{Script: "jobmanager.sh", Args: rest, Banner: "Starting Job Manager"}
	case "standalone-job":
		return EntrypointDispatch{Script: "standalone-job.sh", Args: rest, Banner: "Starting Job Manager"}
	case "history-server":
		return EntrypointDispatch{Script: "historyserver.sh", Args: rest, Banner: "Starting History Server"}
	case "taskmanager":
		return EntrypointDispatch{Script: "taskmanager.sh", Args: rest, Banner: "Starting Task Manager"}
	}
	return EntrypointDispatch{Args: args}
}

// ConfigWriteArgs are the -D tokens of the entrypoint's configuration write. The image calls
// config-parser-utils.sh twice (its own entries, then FLINK_PROPERTIES), each a JVM that
// rewrites the file; one call with the FLINK_PROPERTIES entries last gives the same file, so
// a single call is made.
func ConfigWriteArgs(env Env, hostnameF string) []string {
	opts := PreambleOptions(env, hostnameF)
	if props := env.Get("FLINK_PROPERTIES"); props != "" {
		opts = append(opts, ParseFlinkProperties(props, env)...)
	}
	args := make([]string, 0, len(opts))
	for _, kv := range opts {
		args = append(args, kv.Arg())
	}
	return args
}

// ConfigFileToWrite is the file config-parser-utils.sh overwrites: 1.x flink-conf.yaml when
// it exists, else config.yaml; 2.x always config.yaml (§1).
func ConfigFileToWrite(confDir string, v Version, flinkConfExists bool) string {
	if v.Legacy() && flinkConfExists {
		return filepath.Join(confDir, "flink-conf.yaml")
	}
	return filepath.Join(confDir, "config.yaml")
}

// entrypoint is /docker-entrypoint.sh (§1).
func (rt *Runtime) entrypoint(args []string) error {
	home := rt.Env.Get("FLINK_HOME")
	// jemalloc and gosu are skipped on purpose; see the package documentation.
	if err := rt.enableBuiltInPlugins(home); err != nil {
		return err
	}
	rt.writeConfiguration(home)

	d := DispatchEntrypoint(args)
	switch {
	case d.Help:
		rt.printf("Usage: docker-entrypoint.sh (jobmanager|standalone-job|taskmanager|history-server)\n    Or docker-entrypoint.sh help\n\n")
		return nil
	case d.Script == "historyserver.sh":
		return fmt.Errorf("start the history server: not emulated by this image")
	case d.Script != "":
		rt.printf("%s\n", d.Banner)
		// The image execs $FLINK_HOME/bin/<script>; the script's location makes FLINK_HOME.
		return rt.runScript(d.Script, home, append([]string{"start-foreground"}, d.Args...))
	case len(d.Args) == 0:
		return nil
	}
	return rt.Exec(d.Args, rt.Env, "", "")
}

// enableBuiltInPlugins links each jar of ENABLE_BUILT_IN_PLUGINS (';'-separated) from opt/
// into plugins/<name>/ (§1 step 2); a missing jar is fatal.
func (rt *Runtime) enableBuiltInPlugins(home string) error {
	list := rt.Env.Get("ENABLE_BUILT_IN_PLUGINS")
	if list == "" {
		return nil
	}
	rt.printf("Enabling required built-in plugins\n")
	for _, jar := range strings.Fields(strings.ReplaceAll(list, ";", " ")) {
		rt.printf("Linking %s to plugin directory\n", jar)
		dir := filepath.Join(home, "plugins", strings.TrimSuffix(jar, ".jar"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create the plugin directory %s: %w", dir, err)
		}
		src := filepath.Join(home, "opt", jar)
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("Plugin %s does not exist. Exiting. (%w)", jar, err)
		}
		link := filepath.Join(dir, jar)
		_ = os.Remove(link) // ln -fs replaces an existing link
		if err := os.Symlink(src, link); err != nil {
			return fmt.Errorf("link plugin %s into %s: %w", src, dir, err)
		}
		rt.printf("Successfully enabled %s\n", jar)
	}
	return nil
}

// writeConfiguration is the entrypoint's config-parser-utils.sh call: BashJavaUtils
// UPDATE_AND_GET_FLINK_CONFIGURATION on $FLINK_HOME/conf with the entries as -D's, its result
// written over the conf file. As in the image nothing checks the outcome: on a read-only
// ConfigMap mount the write fails, an error is printed, and the mounted values stay in force.
func (rt *Runtime) writeConfiguration(home string) {
	confDir := filepath.Join(home, "conf")
	libDir := filepath.Join(home, "lib")
	jars, err := FindJars(libDir)
	if err != nil {
		rt.errorf("%v\n", err)
		return
	}
	dist, err := FlinkDistJar(jars, libDir)
	if err != nil {
		rt.errorf("%v\n", err)
		return
	}
	version, err := VersionFromDistJar(dist)
	if err != nil {
		rt.errorf("%v\n", err)
		return
	}
	// config-parser-utils.sh resolves Java from $FLINK_CONF_DIR, which is normally unset in
	// the entrypoint, so in practice JAVA_HOME (or java on PATH) runs BashJavaUtils.
	javaConf := ""
	if d := rt.Env.Get("FLINK_CONF_DIR"); d != "" {
		javaConf = confFileForJava(d, version)
	}
	javaEnv := rt.Env.Clone() // the exports of config-parser-utils.sh stay in its own process
	javaRun, err := setJavaRun(javaEnv, javaConf)
	if err != nil {
		rt.errorf("%v\n", err)
		return
	}
	out, runErr := rt.Output(BashJavaUtilsArgv(javaRun, filepath.Join(home, "bin"), dist, "UPDATE_AND_GET_FLINK_CONFIGURATION", confDir, ConfigWriteArgs(rt.Env, rt.HostnameF())), javaEnv)
	result, err := ConfigurationResult(out)
	if err != nil {
		rt.printf("[ERROR] Could not get configurations properly, the result is :\n%v (run error: %v)\n", err, runErr)
		return
	}
	_, statErr := os.Stat(filepath.Join(confDir, "flink-conf.yaml"))
	file := ConfigFileToWrite(confDir, version, statErr == nil)
	if err := os.WriteFile(file, []byte(result), 0o644); err != nil {
		rt.errorf("docker-entrypoint.sh: write the Flink configuration %s: %v\n", file, err)
	}
}

// runScript runs one of the emulated bin/ scripts in this process.
func (rt *Runtime) runScript(name, home string, args []string) error {
	switch name {
	case "jobmanager.sh":
		return rt.jobManagerScript(home, args)
	case "standalone-job.sh":
		return rt.standaloneJobScript(home, args)
	case "taskmanager.sh":
		return rt.taskManagerScript(home, args)
	case "kubernetes-jobmanager.sh":
		return rt.kubernetesJobManagerScript(home, args)
	case "kubernetes-taskmanager.sh":
		return rt.kubernetesTaskManagerScript(home, args)
	}
	return fmt.Errorf("run %q: not one of the emulated image scripts (docker-entrypoint.sh, %s)", name, strings.Join(ScriptNames, ", "))
}

// ScriptNames are the bin/ names the binary answers to (besides /docker-entrypoint.sh).
var ScriptNames = []string{"jobmanager.sh", "standalone-job.sh", "taskmanager.sh", "kubernetes-jobmanager.sh", "kubernetes-taskmanager.sh"}

// Run dispatches on the name the program was started under.
func (rt *Runtime) Run(name string, args []string) error {
	if name == "docker-entrypoint.sh" {
		return rt.entrypoint(args)
	}
	home, err := rt.scriptHome()
	if err != nil {
		return err
	}
	return rt.runScript(name, home, args)
}
