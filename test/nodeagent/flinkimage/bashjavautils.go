package flinkimage

import (
	"fmt"
	"strings"
)

// bashJavaUtilsClass is BashJavaUtils' main class, in bin/bash-java-utils.jar (§3.3).
const bashJavaUtilsClass = "org.apache.flink.runtime.util.bash.BashJavaUtils"

// resultPrefix marks BashJavaUtils' result lines; all other lines are logs.
const resultPrefix = "BASH_JAVA_UTILS_EXEC_RESULT:"

// BashJavaUtilsArgv is the command line bash-java-utils.sh runs: the utility jar and the
// flink-dist jar on the classpath, the command, --configDir and the script's arguments.
func BashJavaUtilsArgv(javaRun, binDir, distJar, cmd, confDir string, args []string) []string {
	argv := []string{javaRun, "-classpath", binDir + "/bash-java-utils.jar:" + distJar, bashJavaUtilsClass, cmd, "--configDir", confDir}
	return append(argv, args...)
}

// SplitBashJavaUtilsOutput separates the result lines (prefix removed) from the log lines
// of BashJavaUtils' merged output, keeping only its last 1000 lines like the script.
func SplitBashJavaUtilsOutput(output string) (results, logs []string) {
	lines := strings.Split(strings.TrimRight(output, "\n"), "\n")
	if len(lines) > 1000 {
		lines = lines[len(lines)-1000:]
	}
	for _, l := range lines {
		if strings.Contains(l, resultPrefix) {
			results = append(results, strings.ReplaceAll(l, resultPrefix, ""))
		} else {
			logs = append(logs, l)
		}
	}
	return results, logs
}

// ResourceParams are the two result lines of GET_JM_RESOURCE_PARAMS / GET_TM_RESOURCE_PARAMS.
type ResourceParams struct {
	// JVMFlags (line 1) is appended to JVM_ARGS: -Xmx, -Xms, -XX:MaxDirectMemorySize, ...
	JVMFlags string
	// Dynamic (line 2) is DYNAMIC_PARAMETERS: "-D key=value -D ..." spliced unquoted.
	Dynamic string
	// Logs are the remaining output lines (FLINK_INHERITED_LOGS).
	Logs []string
}

// ParseResourceParams requires exactly two result lines, as extractExecutionResults does.
func ParseResourceParams(cmd, output string) (ResourceParams, error) {
	results, logs := SplitBashJavaUtilsOutput(output)
	if len(results) != 2 {
		return ResourceParams{}, fmt.Errorf("[ERROR] Could not get JVM parameters and dynamic configurations properly: BashJavaUtils %s printed %d result lines, want 2. Raw output:\n%s", cmd, len(results), output)
	}
	return ResourceParams{JVMFlags: results[0], Dynamic: results[1], Logs: logs}, nil
}

// ConfigurationResult returns the result lines of UPDATE_AND_GET_FLINK_CONFIGURATION joined
// as the script echoes them; no result line at all is an error ("Could not parse
// configurations properly").
func ConfigurationResult(output string) (string, error) {
	results, _ := SplitBashJavaUtilsOutput(output)
	if len(results) == 0 {
		return "", fmt.Errorf("[ERROR] Could not parse configurations properly. Raw output from BashJavaUtils:\n%s", output)
	}
	return strings.Join(results, "\n") + "\n", nil
}

// InheritedLogs formats FLINK_INHERITED_LOGS the way the scripts export it.
func InheritedLogs(previous string, p ResourceParams) string {
	return "\n" + previous + "\n\nRESOURCE_PARAMS extraction logs:\njvm_params: " + p.JVMFlags +
		"\ndynamic_configs: " + p.Dynamic + "\nlogs: " + strings.Join(p.Logs, "\n") + "\n"
}
