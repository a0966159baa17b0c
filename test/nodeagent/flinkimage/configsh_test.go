package flinkimage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadFromConfig(t *testing.T) {
	conf := "env.log.dir: /a\nenv.log.dir:   /b   \nenv.pid.dir: /p # comment\nenv.log.level: \nother.env.log.max: 3\n"
	assert.Equal(t, "/b", ReadFromConfig(conf, "env.log.dir", "d"), "last occurrence wins, trimmed")
	assert.Equal(t, "/p", ReadFromConfig(conf, "env.pid.dir", "d"), "cut at #")
	assert.Equal(t, "INFO", ReadFromConfig(conf, "env.log.level", "INFO"), "empty value gives default")
	assert.Equal(t, "10", ReadFromConfig(conf, "env.log.max", "10"), "key must start the line")
}

func TestApplyConfigShJavaOpts(t *testing.T) {
	spec := func(n int) func() int { return func() int { return n } }
	tests := []struct {
		name           string
		env            Env
		flat           string
		java           int
		opts, jm, tm   string
		specMustNotRun bool
	}{
		{
			name: "dist add-opens under env.java.opts.all",
			flat: "env.java.opts.all: --add-opens=java.base/java.lang=ALL-UNNAMED\n",
			java: 17,
			opts: "-XX:+IgnoreUnrecognizedVMOptions  --add-opens=java.base/java.lang=ALL-UNNAMED",
			jm:   " ", tm: " ",
		},
		{
			name: "default-opts first, deprecated env.java.opts as fallback, quotes stripped",
			flat: "env.java.default-opts.all: \"-Da=1\nenv.java.opts: -Db=2\"\nenv.java.default-opts.jobmanager: -Djm=1\nenv.java.opts.jobmanager: -Djm=2\nenv.java.opts.taskmanager: \"-Dtm=1\"\n",
			java: 17,
			opts: "-XX:+IgnoreUnrecognizedVMOptions -Da=1 -Db=2",
			// The script strips quotes from the joined "<default> <opts>" string, so a quoted
			// env.java.opts.taskmanager behind an empty default keeps its opening quote.
			jm: "-Djm=1 -Djm=2", tm: ` "-Dtm=1`,
		},
		{
			name: "opts.all wins over opts",
			flat: "env.java.opts: -Dold\nenv.java.opts.all: -Dnew\n",
			java: 17,
			opts: "-XX:+IgnoreUnrecognizedVMOptions  -Dnew",
			jm:   " ", tm: " ",
		},
		{
			name: "java above 17 allows the security manager",
			flat: "",
			java: 21,
			opts: "-XX:+IgnoreUnrecognizedVMOptions   -Djava.security.manager=allow",
			jm:   " ", tm: " ",
		},
		{
			name: "environment overrides the config and skips the probe",
			env:  Env{"FLINK_ENV_JAVA_OPTS": "-Dmine", "FLINK_ENV_JAVA_OPTS_JM": "-Djm", "FLINK_ENV_JAVA_OPTS_TM": "-Dtm"},
			flat: "env.java.opts.all: -Dconf\n",
			opts: "-Dmine",
			jm:   "-Djm", tm: "-Dtm",
			specMustNotRun: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Env{}
			for k, v := range tt.env {
				env[k] = v
			}
			probe := spec(tt.java)
			if tt.specMustNotRun {
				probe = func() int { t.Fatal("java version probed although FLINK_ENV_JAVA_OPTS was set"); return 0 }
			}
			ApplyConfigSh(env, ConfigShInput{Home: "/opt/flink", Flat: tt.flat, JavaSpecVersion: probe})
			assert.Equal(t, tt.opts, env["FLINK_ENV_JAVA_OPTS"])
			assert.Equal(t, tt.jm, env["FLINK_ENV_JAVA_OPTS_JM"])
			assert.Equal(t, tt.tm, env["FLINK_ENV_JAVA_OPTS_TM"])
		})
	}
}

func TestApplyConfigShDirsAndLogging(t *testing.T) {
	env := Env{"FLINK_PID_DIR": "/run/pids"}
	flat := "env.log.dir: /var/log/flink\nenv.log.max: 3\nenv.log.level: DEBUG\nenv.pid.dir: /ignored\nenv.hadoop.conf.dir: /etc/hc\n"
	ApplyConfigSh(env, ConfigShInput{Home: "/opt/flink", Flat: flat, JavaSpecVersion: func() int { return 17 }})
	assert.Equal(t, "/var/log/flink", env["FLINK_LOG_DIR"])
	assert.Equal(t, "3", env["MAX_LOG_FILE_NUMBER"])
	assert.Equal(t, "DEBUG", env["ROOT_LOG_LEVEL"])
	assert.Equal(t, "/run/pids", env["FLINK_PID_DIR"], "environment wins")
	assert.Equal(t, "false", env["STD_REDIRECT_TO_FILE"])
	assert.Equal(t, ":/etc/hc:", InternalHadoopClasspaths(env))

	env = Env{}
	ApplyConfigSh(env, ConfigShInput{Home: "/opt/flink", JavaSpecVersion: func() int { return 17 }})
	assert.Equal(t, "/opt/flink/log", env["FLINK_LOG_DIR"])
	assert.Equal(t, "10", env["MAX_LOG_FILE_NUMBER"])
	assert.Equal(t, "/tmp", env["FLINK_PID_DIR"])
	assert.Equal(t, "::", InternalHadoopClasspaths(env))
}

func TestResolveDirs(t *testing.T) {
	env := Env{"FLINK_HOME": "/elsewhere", "FLINK_CONF_DIR": "/cm"}
	d := ResolveDirs(env, "/opt/flink")
	assert.Equal(t, Dirs{Home: "/opt/flink", Bin: "/opt/flink/bin", Lib: "/opt/flink/lib", Plugins: "/opt/flink/plugins", Opt: "/opt/flink/opt", Conf: "/cm"}, d)
	assert.Equal(t, "/opt/flink/plugins", env["FLINK_PLUGINS_DIR"], "exported")

	env = Env{"FLINK_HOME": "/elsewhere", "_FLINK_HOME_DETERMINED": "1"}
	assert.Equal(t, "/elsewhere/lib", ResolveDirs(env, "/opt/flink").Lib)
}

func TestJavaSpecFromRelease(t *testing.T) {
	assert.Equal(t, 17, JavaSpecFromRelease("IMPLEMENTOR=\"Debian\"\nJAVA_VERSION=\"17.0.15\"\n"))
	assert.Equal(t, 8, JavaSpecFromRelease("JAVA_VERSION=\"1.8.0_402\"\n"))
	assert.Equal(t, 25, JavaSpecFromRelease("JAVA_VERSION=\"25\"\n"))
	assert.Equal(t, 0, JavaSpecFromRelease(""))
}

func TestEvalEchoWords(t *testing.T) {
	env := Env{"POD": "p-1"}
	assert.Equal(t,
		[]string{"-XX:+IgnoreUnrecognizedVMOptions", "-Dname=p-1", "-Da=b", "c", "-D$x", "-Dq=p-1"},
		EvalEchoWords(`-XX:+IgnoreUnrecognizedVMOptions  -Dname=$POD "-Da=b c" '-D$x' -Dq=${POD}`, env))
}

func TestSplitBashJavaUtilsOutput(t *testing.T) {
	out := "INFO a\nBASH_JAVA_UTILS_EXEC_RESULT:-Xmx1 -Xms1\nINFO b\nBASH_JAVA_UTILS_EXEC_RESULT:-D k=v -D l=w\n"
	p, err := ParseResourceParams("GET_TM_RESOURCE_PARAMS", out)
	assert.NoError(t, err)
	assert.Equal(t, ResourceParams{JVMFlags: "-Xmx1 -Xms1", Dynamic: "-D k=v -D l=w", Logs: []string{"INFO a", "INFO b"}}, p)

	_, err = ParseResourceParams("GET_JM_RESOURCE_PARAMS", "BASH_JAVA_UTILS_EXEC_RESULT:only one\n")
	assert.ErrorContains(t, err, "printed 1 result lines, want 2")

	_, err = ConfigurationResult("Exception in thread main\n")
	assert.ErrorContains(t, err, "Could not parse configurations properly")
	res, err := ConfigurationResult("INFO x\nBASH_JAVA_UTILS_EXEC_RESULT:a: 1\nBASH_JAVA_UTILS_EXEC_RESULT:b: 2\n")
	assert.NoError(t, err)
	assert.Equal(t, "a: 1\nb: 2\n", res)
}

func TestLookupHosts(t *testing.T) {
	hosts := "127.0.0.1 localhost\n::1 ip6-localhost\n# 127.9.9.9 mypod\nfe80::1 mypod\n127.42.0.7\tmypod.ns.svc MyPod # me\n127.42.0.8 svc\n"
	ip, ok := LookupHosts(hosts, "mypod")
	assert.True(t, ok)
	assert.Equal(t, "127.42.0.7", ip, "IPv4 preferred, case-insensitive, comments skipped")
	_, ok = LookupHosts(hosts, "absent")
	assert.False(t, ok)

	got, err := ResolvePodIP(Env{PodIPOverrideEnv: "127.88.0.1"}, "mypod", hosts)
	assert.NoError(t, err)
	assert.Equal(t, "127.88.0.1", got)
	_, err = ResolvePodIP(Env{}, "absent", hosts)
	assert.ErrorContains(t, err, `host "absent"`)
}
