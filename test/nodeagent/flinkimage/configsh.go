package flinkimage

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Dirs are the distribution directories config.sh resolves (§3.1).
type Dirs struct {
	Home, Bin, Lib, Plugins, Opt, Conf string
}

// ResolveDirs resolves the directories like config.sh: FLINK_HOME is the parent of the
// script's directory (scriptHome) unless _FLINK_HOME_DETERMINED is set, in which case the
// environment's FLINK_HOME is used; lib, plugins, opt and conf default under it unless their
// variables are set; bin is always under it. It exports the five variables config.sh exports.
func ResolveDirs(env Env, scriptHome string) Dirs {
	home := scriptHome
	if env.Get("_FLINK_HOME_DETERMINED") != "" && env.Get("FLINK_HOME") != "" {
		home = env.Get("FLINK_HOME")
	}
	env.Default("FLINK_LIB_DIR", filepath.Join(home, "lib"))
	env.Default("FLINK_PLUGINS_DIR", filepath.Join(home, "plugins"))
	env.Default("FLINK_OPT_DIR", filepath.Join(home, "opt"))
	env.Default("FLINK_CONF_DIR", filepath.Join(home, "conf"))
	env["FLINK_BIN_DIR"] = filepath.Join(home, "bin")
	return Dirs{
		Home:    home,
		Bin:     env["FLINK_BIN_DIR"],
		Lib:     env["FLINK_LIB_DIR"],
		Plugins: env["FLINK_PLUGINS_DIR"],
		Opt:     env["FLINK_OPT_DIR"],
		Conf:    env["FLINK_CONF_DIR"],
	}
}

// ReadFromConfig looks a key up in "key: value" lines like config.sh's readFromConfig: the
// value after "key: " up to a '#', trimmed of spaces; the last occurrence wins; an absent or
// empty value gives the default. (The script's sed treats the key as a regular expression, so
// its dots match any character; keys are matched literally here, which is equivalent for the
// env.* keys read.)
func ReadFromConfig(conf, key, def string) string {
	re := regexp.MustCompile(`^ *` + regexp.QuoteMeta(key) + ` *: ([^#]*)`)
	value := ""
	for _, line := range strings.Split(conf, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			value = strings.Trim(m[1], " ")
		}
	}
	if value == "" {
		return def
	}
	return value
}

// ConfigShInput is what config.sh's variables are computed from besides the environment.
type ConfigShInput struct {
	Home string
	// Flat is the flattened configuration (UPDATE_AND_GET_FLINK_CONFIGURATION -flatten).
	Flat string
	// JavaSpecVersion returns the JVM's java.specification.version as a major number; it is
	// only called when FLINK_ENV_JAVA_OPTS is computed, as the script only probes then.
	JavaSpecVersion func() int
	// DirExists reports whether a directory exists (for the Hadoop/HBase defaults).
	DirExists func(string) bool
}

// ApplyConfigSh sets the variables config.sh derives from the flattened configuration (§3.1,
// §3.4); each is only set if the environment does not already have a value.
func ApplyConfigSh(env Env, in ConfigShInput) {
	read := func(key, def string) string { return ReadFromConfig(in.Flat, key, def) }
	env.Default("MAX_LOG_FILE_NUMBER", read("env.log.max", "10"))
	env.Default("ROOT_LOG_LEVEL", read("env.log.level", "INFO"))
	env.Default("STD_REDIRECT_TO_FILE", read("env.stdout-err.redirect-to-file", "false"))
	env.Default("FLINK_LOG_DIR", read("env.log.dir", filepath.Join(in.Home, "log")))
	env.Default("YARN_CONF_DIR", read("env.yarn.conf.dir", ""))
	env.Default("HADOOP_CONF_DIR", read("env.hadoop.conf.dir", ""))
	env.Default("HBASE_CONF_DIR", read("env.hbase.conf.dir", ""))
	env.Default("FLINK_PID_DIR", read("env.pid.dir", "/tmp"))

	if env.Get("FLINK_ENV_JAVA_OPTS") == "" {
		opts := read("env.java.default-opts.all", "") + " " + read("env.java.opts.all", read("env.java.opts", ""))
		opts = "-XX:+IgnoreUnrecognizedVMOptions " + stripOuterQuotes(opts)
		// FLINK-33309: Java 18+ needs this to let Flink install its security manager.
		if in.JavaSpecVersion != nil && in.JavaSpecVersion() > 17 {
			opts += " -Djava.security.manager=allow"
		}
		env["FLINK_ENV_JAVA_OPTS"] = opts
	}
	if env.Get("FLINK_ENV_JAVA_OPTS_JM") == "" {
		env["FLINK_ENV_JAVA_OPTS_JM"] = stripOuterQuotes(read("env.java.default-opts.jobmanager", "") + " " + read("env.java.opts.jobmanager", ""))
	}
	if env.Get("FLINK_ENV_JAVA_OPTS_TM") == "" {
		env["FLINK_ENV_JAVA_OPTS_TM"] = stripOuterQuotes(read("env.java.default-opts.taskmanager", "") + " " + read("env.java.opts.taskmanager", ""))
	}
	env.Default("JVM_ARGS", "")

	dirExists := in.DirExists
	if dirExists == nil {
		dirExists = func(string) bool { return false }
	}
	if env.Get("HADOOP_CONF_DIR") == "" && env.Get("HADOOP_HOME") != "" {
		for _, d := range []string{"conf", "etc/hadoop"} { // Hadoop 1.x, then 2.2+ (wins)
			if p := filepath.Join(env.Get("HADOOP_HOME"), d); dirExists(p) {
				env["HADOOP_CONF_DIR"] = p
			}
		}
	}
	if env.Get("HADOOP_CONF_DIR") == "" && env.Get("HADOOP_CLASSPATH") == "" && dirExists("/etc/hadoop/conf") {
		env["HADOOP_CONF_DIR"] = "/etc/hadoop/conf"
	}
	if env.Get("HBASE_CONF_DIR") == "" && dirExists("/etc/hbase/conf") {
		env["HBASE_CONF_DIR"] = "/etc/hbase/conf"
	}
	for _, k := range []string{"YARN_CONF_DIR", "HADOOP_CONF_DIR", "HBASE_CONF_DIR"} {
		if env[k] == "" {
			delete(env, k) // an empty value means unset to the scripts; don't export it
		}
	}
}

// InternalHadoopClasspaths is the classpath tail config.sh appends after the Flink jars
// (§3.2); usually it is just empty entries.
func InternalHadoopClasspaths(env Env) string {
	cp := env.Get("HADOOP_CLASSPATH") + ":" + env.Get("HADOOP_CONF_DIR") + ":" + env.Get("YARN_CONF_DIR")
	if hb := env.Get("HBASE_CONF_DIR"); hb != "" {
		cp += ":" + hb
	}
	return cp
}

// stripOuterQuotes removes one leading and one trailing double quote, like the scripts'
// sed -e 's/^"//' -e 's/"$//'.
func stripOuterQuotes(s string) string {
	s = strings.TrimPrefix(s, `"`)
	return strings.TrimSuffix(s, `"`)
}

// JavaHomeFromConfFile reads env.java.home from the configuration file's text the way
// bash-java-utils.sh does before any JVM runs: only a flat "env.java.home: X" line counts.
func JavaHomeFromConfFile(text string) string {
	return ReadFromConfig(text, "env.java.home", "")
}

// JavaSpecFromRelease extracts the major Java version from a JDK's `release` file
// (JAVA_VERSION="17.0.15" gives 17, "1.8.0_402" gives 8). It returns 0 when absent.
func JavaSpecFromRelease(release string) int {
	m := regexp.MustCompile(`(?m)^JAVA_VERSION="([^"]+)"`).FindStringSubmatch(release)
	if m == nil {
		return 0
	}
	parts := strings.Split(m[1], ".")
	major := parts[0]
	if major == "1" && len(parts) > 1 {
		major = parts[1]
	}
	n, _ := strconv.Atoi(major)
	return n
}
