package flinkimage

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fakeJMFlags   = "-Xmx469762048 -Xms469762048 -XX:MaxMetaspaceSize=268435456"
	fakeJMDynamic = "-D jobmanager.memory.heap.size=469762048b -D jobmanager.memory.off-heap.size=134217728b"
	fakeTMFlags   = "-Xmx161061270 -Xms161061270 -XX:MaxDirectMemorySize=201326592 -XX:MaxMetaspaceSize=268435456"
	fakeTMDynamic = "-D taskmanager.memory.network.min=67108864b -D taskmanager.numberOfTaskSlots=2"
	fakeFlat      = "env.java.opts.all: --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED\n"
)

// fakeImage is a container filesystem with an empty distribution and a recording runtime.
type fakeImage struct {
	home, javaHome, pidDir string
	rt                     *Runtime
	bashJavaUtils          [][]string // the BashJavaUtils command lines run
	execArgv               []string
	execEnv                Env
}

func newFakeImage(t *testing.T, version string) *fakeImage {
	t.Helper()
	root := t.TempDir()
	f := &fakeImage{home: filepath.Join(root, "opt/flink"), javaHome: filepath.Join(root, "jdk"), pidDir: filepath.Join(root, "tmp")}
	for _, p := range []string{
		"lib/flink-dist-" + version + ".jar", "lib/log4j-api-2.24.3.jar", "lib/flink-cep-" + version + ".jar",
		"bin/bash-java-utils.jar", "conf/config.yaml",
	} {
		full := filepath.Join(f.home, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, nil, 0o644))
	}
	for _, name := range ScriptNames { // the agent places the binary under these names
		require.NoError(t, os.WriteFile(filepath.Join(f.home, "bin", name), nil, 0o755))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(f.javaHome, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(f.javaHome, "release"), []byte(`JAVA_VERSION="17.0.15"`+"\n"), 0o644))
	hosts := filepath.Join(root, "hosts")
	require.NoError(t, os.WriteFile(hosts, []byte("127.42.0.7 pod-0\n127.42.0.7 localhost\n"), 0o644))

	f.rt = &Runtime{
		Env: Env{
			"FLINK_HOME": f.home, "JAVA_HOME": f.javaHome, "HOSTNAME": "pod-0", "FLINK_PID_DIR": f.pidDir,
			"PATH": filepath.Join(f.home, "bin") + ":/usr/bin:/bin",
		},
		Stdout:    &bytes.Buffer{},
		Stderr:    &bytes.Buffer{},
		Hostname:  func() (string, error) { return "pod-0", nil },
		HostnameF: func() string { return "pod-0.example" },
		HostsFile: hosts,
		Getpid:    func() int { return 4242 },
		Output: func(argv []string, env Env) (string, error) {
			f.bashJavaUtils = append(f.bashJavaUtils, argv)
			switch {
			case contains(argv, "GET_JM_RESOURCE_PARAMS"):
				return "INFO log\nBASH_JAVA_UTILS_EXEC_RESULT:" + fakeJMFlags + "\nBASH_JAVA_UTILS_EXEC_RESULT:" + fakeJMDynamic + "\n", nil
			case contains(argv, "GET_TM_RESOURCE_PARAMS"):
				return "BASH_JAVA_UTILS_EXEC_RESULT:" + fakeTMFlags + "\nBASH_JAVA_UTILS_EXEC_RESULT:" + fakeTMDynamic + "\n", nil
			case contains(argv, "-flatten"):
				return "INFO x\nBASH_JAVA_UTILS_EXEC_RESULT:" + strings.TrimSuffix(fakeFlat, "\n") + "\n", nil
			default:
				return "BASH_JAVA_UTILS_EXEC_RESULT:jobmanager:\nBASH_JAVA_UTILS_EXEC_RESULT:  rpc: {address: pod-0.example}\n", nil
			}
		},
		Exec: func(argv []string, env Env, _, _ string) error {
			f.execArgv, f.execEnv = argv, env.Clone()
			return nil
		},
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// javaPrefix is the expected command up to and including the main class.
func (f *fakeImage) javaPrefix(version, jvmFlags, service, mainClass string) []string {
	argv := []string{filepath.Join(f.javaHome, "bin/java")}
	argv = append(argv, strings.Fields(jvmFlags)...)
	argv = append(argv, "-XX:+IgnoreUnrecognizedVMOptions", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED")
	conf := filepath.Join(f.home, "conf")
	lib := filepath.Join(f.home, "lib")
	argv = append(argv,
		"-Dlog.file="+filepath.Join(f.home, "log", "flink--"+service+"-0-pod-0.log"),
		"-Dlog4j.configuration=file:"+conf+"/log4j-console.properties",
		"-Dlog4j.configurationFile=file:"+conf+"/log4j-console.properties",
		"-Dlogback.configurationFile=file:"+conf+"/logback-console.xml",
		"-classpath", lib+"/flink-cep-"+version+".jar:"+lib+"/log4j-api-2.24.3.jar:"+lib+"/flink-dist-"+version+".jar:::",
		mainClass)
	return argv
}

var podJM = []string{"-D", "rest.bind-address=127.42.0.7", "-D", "jobmanager.bind-host=127.42.0.7", "-D", "taskmanager.bind-host=127.42.0.7"}
var podTM = append(append([]string{}, podJM...), "-D", "taskmanager.host=127.42.0.7")

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestScriptsBuildTheJavaCommand(t *testing.T) {
	jmDyn := strings.Fields(fakeJMDynamic)
	tmDyn := strings.Fields(fakeTMDynamic)
	tests := []struct {
		name, version, script string
		args                  []string
		env                   Env
		service, main         string
		jvmFlags              string
		wantArgs              func(conf string) []string
	}{
		{
			name: "1.20 session jobmanager", version: "1.20.4", script: "docker-entrypoint.sh", args: []string{"jobmanager"},
			service: ServiceStandaloneSession, main: mainClasses[ServiceStandaloneSession], jvmFlags: fakeJMFlags,
			wantArgs: func(conf string) []string {
				return cat(jmDyn, []string{"--configDir", conf, "--executionMode", "cluster"}, podJM)
			},
		},
		{
			name: "2.2 session jobmanager", version: "2.2.1", script: "docker-entrypoint.sh", args: []string{"jobmanager"},
			service: ServiceStandaloneSession, main: mainClasses[ServiceStandaloneSession], jvmFlags: fakeJMFlags,
			wantArgs: func(conf string) []string { return cat(jmDyn, []string{"--configDir", conf}, podJM) },
		},
		{
			name: "1.20 jobmanager legacy host and port", version: "1.20.4", script: "jobmanager.sh",
			args:    []string{"start-foreground", "jm-host", "8082", "-D", "a=b"},
			service: ServiceStandaloneSession, main: mainClasses[ServiceStandaloneSession], jvmFlags: fakeJMFlags,
			wantArgs: func(conf string) []string {
				return cat(jmDyn, []string{"--configDir", conf, "--executionMode", "cluster"}, podJM,
					[]string{"-D", "a=b", "--host", "jm-host", "--webui-port", "8082"})
			},
		},
		{
			name: "2.2 jobmanager positional host becomes -D", version: "2.2.1", script: "jobmanager.sh",
			args:    []string{"start-foreground", "jm-host"},
			service: ServiceStandaloneSession, main: mainClasses[ServiceStandaloneSession], jvmFlags: fakeJMFlags,
			wantArgs: func(conf string) []string {
				return cat(jmDyn, []string{"--configDir", conf}, podJM, []string{"-D", "jobmanager.rpc.address=jm-host"})
			},
		},
		{
			name: "2.2 standalone-job keeps job args last", version: "2.2.1", script: "docker-entrypoint.sh",
			args: []string{"standalone-job", "--job-classname", "com.example.Job", "--fromSavepoint", "s3://flink/savepoints/sp-1",
				"-D", "jobmanager.rpc.address=127.42.0.7", "--mode", "streaming"},
			service: ServiceStandaloneJob, main: mainClasses[ServiceStandaloneJob], jvmFlags: fakeJMFlags,
			wantArgs: func(conf string) []string {
				return cat([]string{"--configDir", conf}, jmDyn, podJM, []string{"--job-classname", "com.example.Job",
					"--fromSavepoint", "s3://flink/savepoints/sp-1", "-D", "jobmanager.rpc.address=127.42.0.7", "--mode", "streaming"})
			},
		},
		{
			name: "1.20 taskmanager", version: "1.20.4", script: "docker-entrypoint.sh", args: []string{"taskmanager"},
			service: ServiceTaskExecutor, main: mainClasses[ServiceTaskExecutor], jvmFlags: fakeTMFlags,
			wantArgs: func(conf string) []string { return cat([]string{"--configDir", conf}, tmDyn, podTM) },
		},
		{
			name: "2.2 native jobmanager", version: "2.2.1", script: "kubernetes-jobmanager.sh",
			args:    []string{"kubernetes-application", "-Dextra=1"},
			service: ServiceKubernetesApplication, main: mainClasses[ServiceKubernetesApplication], jvmFlags: fakeJMFlags,
			wantArgs: func(string) []string { return cat(jmDyn, podJM, []string{"-Dextra=1"}) },
		},
		{
			name: "1.20 native taskmanager takes memory from FLINK_TM_JVM_MEM_OPTS", version: "1.20.4", script: "kubernetes-taskmanager.sh",
			args:    []string{"-Dtaskmanager.resource-id=tm-1-1", "-Dtaskmanager.bind-host=127.9.9.9", "-D", "taskmanager.memory.network.min=1b"},
			env:     Env{"FLINK_TM_JVM_MEM_OPTS": "-Xmx1 -Xms1", "_POD_NODE_ID": "node-1"},
			service: ServiceKubernetesTaskManager, main: mainClasses[ServiceKubernetesTaskManager], jvmFlags: "-Xmx1 -Xms1",
			wantArgs: func(conf string) []string {
				return cat([]string{"--configDir", conf, "-Dtaskmanager.resource-id=tm-1-1", "-Dtaskmanager.bind-host=127.9.9.9",
					"-D", "taskmanager.memory.network.min=1b"}, podTM)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeImage(t, tt.version)
			for k, v := range tt.env {
				f.rt.Env[k] = v
			}
			f.rt.ScriptPath = filepath.Join(f.home, "bin", tt.script)
			if strings.HasPrefix(tt.script, "kubernetes-") {
				f.rt.ScriptPath = tt.script // bash -c finds it through PATH: argv[0] has no directory
			}
			require.NoError(t, f.rt.Run(tt.script, tt.args))

			conf := filepath.Join(f.home, "conf")
			want := append(f.javaPrefix(tt.version, tt.jvmFlags, tt.service, tt.main), tt.wantArgs(conf)...)
			assert.Equal(t, want, f.execArgv)
			for k, v := range map[string]string{
				"FLINK_CONF_DIR": conf, "FLINK_LIB_DIR": filepath.Join(f.home, "lib"),
				"FLINK_PLUGINS_DIR": filepath.Join(f.home, "plugins"), "FLINK_OPT_DIR": filepath.Join(f.home, "opt"),
				"FLINK_BIN_DIR": filepath.Join(f.home, "bin"), "FLINK_LOG_DIR": filepath.Join(f.home, "log"),
				"MAX_LOG_FILE_NUMBER": "10", "ROOT_LOG_LEVEL": "INFO",
			} {
				assert.Equal(t, v, f.execEnv[k], "exported %s", k)
			}
			pids, err := os.ReadFile(filepath.Join(f.pidDir, "flink--"+tt.service+".pid"))
			require.NoError(t, err)
			assert.Equal(t, "4242\n", string(pids))
		})
	}
}

func TestEntrypointWritesConfigurationAndPassesThrough(t *testing.T) {
	f := newFakeImage(t, "2.2.1")
	f.rt.Env["FLINK_PROPERTIES"] = "parallelism.default: 2"
	f.rt.Env["_POD_IP_ADDRESS"] = "127.42.0.7"
	args := []string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}
	require.NoError(t, f.rt.Run("docker-entrypoint.sh", args))

	require.Len(t, f.bashJavaUtils, 1, "one configuration write, no other JVM before the pass-through")
	assert.Equal(t, []string{
		filepath.Join(f.javaHome, "bin/java"), "-classpath",
		filepath.Join(f.home, "bin/bash-java-utils.jar") + ":" + filepath.Join(f.home, "lib/flink-dist-2.2.1.jar"),
		bashJavaUtilsClass, "UPDATE_AND_GET_FLINK_CONFIGURATION", "--configDir", filepath.Join(f.home, "conf"),
		"-Djobmanager.rpc.address=pod-0.example", "-Dblob.server.port=6124", "-Dquery.server.port=6125", "-Dparallelism.default=2",
	}, f.bashJavaUtils[0])
	written, err := os.ReadFile(filepath.Join(f.home, "conf/config.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "jobmanager:\n  rpc: {address: pod-0.example}\n", string(written))
	assert.Equal(t, args, f.execArgv, "pass-through is exec'd verbatim")
}

func TestEntrypointGoesOnWhenTheConfigurationCannotBeWritten(t *testing.T) {
	f := newFakeImage(t, "1.20.4")
	// A directory in place of the file makes the write fail, like a read-only ConfigMap.
	conf := filepath.Join(f.home, "conf")
	require.NoError(t, os.Remove(filepath.Join(conf, "config.yaml")))
	require.NoError(t, os.Mkdir(filepath.Join(conf, "config.yaml"), 0o755))
	require.NoError(t, f.rt.Run("docker-entrypoint.sh", []string{"taskmanager"}))
	assert.Contains(t, f.rt.Stderr.(*bytes.Buffer).String(), "write the Flink configuration")
	assert.Equal(t, mainClasses[ServiceTaskExecutor], f.execArgv[len(f.execArgv)-len(podTM)-len(strings.Fields(fakeTMDynamic))-3])
}

func TestScriptsRejectOtherModes(t *testing.T) {
	f := newFakeImage(t, "2.2.1")
	f.rt.ScriptPath = filepath.Join(f.home, "bin", "jobmanager.sh")
	assert.ErrorContains(t, f.rt.Run("jobmanager.sh", []string{"start"}), "start-foreground")
	assert.ErrorContains(t, f.rt.Run("kubernetes-jobmanager.sh", []string{"kubernetes-bogus"}), "Usage: kubernetes-jobmanager.sh")
	assert.ErrorContains(t, f.rt.Run("flink-console.sh", []string{"taskexecutor"}), "not one of the emulated image scripts")
	assert.Nil(t, f.execArgv)
}
