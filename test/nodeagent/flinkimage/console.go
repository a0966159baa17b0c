package flinkimage

import (
	"fmt"
	"path/filepath"
)

// LogBase is the log file's path without extension (§4):
// $FLINK_LOG_DIR/flink-$FLINK_IDENT_STRING-<SERVICE>-<id>-$HOSTNAME.
func LogBase(logDir, ident, service string, id int, hostname string) string {
	return filepath.Join(logDir, fmt.Sprintf("flink-%s-%s-%d-%s", ident, service, id, hostname))
}

// LogSettings are the -D's flink-console.sh passes for logging (§4); with stdout/stderr
// redirected to files the console appender is switched off first.
func LogSettings(logFile, confDir string, redirect bool) []string {
	s := []string{
		"-Dlog.file=" + logFile,
		"-Dlog4j.configuration=file:" + confDir + "/log4j-console.properties",
		"-Dlog4j.configurationFile=file:" + confDir + "/log4j-console.properties",
		"-Dlogback.configurationFile=file:" + confDir + "/logback-console.xml",
	}
	if redirect {
		s = append([]string{"-Dconsole.log.level=OFF"}, s...)
	}
	return s
}

// JavaCommand is flink-console.sh's final command:
// $JAVA_RUN $JVM_ARGS $FLINK_ENV_JAVA_OPTS <log settings> -classpath <cp> <Main> <args>.
type JavaCommand struct {
	JavaRun     string
	JVMArgs     string // JVM_ARGS, split unquoted
	JavaOpts    string // FLINK_ENV_JAVA_OPTS, through eval echo
	LogSettings []string
	Classpath   string
	MainClass   string
	Args        []string
}

// Argv returns the command line, expanding variables in the java options from env.
func (c JavaCommand) Argv(env Env) []string {
	argv := []string{c.JavaRun}
	argv = append(argv, SplitUnquoted(c.JVMArgs)...)
	argv = append(argv, EvalEchoWords(c.JavaOpts, env)...)
	argv = append(argv, c.LogSettings...)
	argv = append(argv, "-classpath", c.Classpath, c.MainClass)
	return append(argv, c.Args...)
}
