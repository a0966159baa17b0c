package renderer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestProcessServiceAccounts(t *testing.T) {
	podTemplate := `  podTemplate:
    spec:
      serviceAccountName: from-template`
	config := `    kubernetes.jobmanager.service-account: jm-sa
    kubernetes.taskmanager.service-account: tm-sa`

	jm, tm, _ := renderDecorated(t, "standalone", "", "")
	assert.Equal(t, "flink-sa", podSpecOf(t, jm)["serviceAccountName"], "spec.serviceAccount without the keys")
	assert.Equal(t, "flink-sa", podSpecOf(t, tm)["serviceAccountName"])

	jm, tm, _ = renderDecorated(t, "standalone", config, podTemplate)
	assert.Equal(t, "jm-sa", podSpecOf(t, jm)["serviceAccountName"], "the key wins over spec.serviceAccount and the pod template")
	assert.Equal(t, "tm-sa", podSpecOf(t, tm)["serviceAccountName"])

	jm, _, _ = renderDecorated(t, "native", config, "")
	assert.Equal(t, "jm-sa", podSpecOf(t, jm)["serviceAccountName"])
	// Flink itself reads the TaskManager key when it creates TaskManager
	// pods in native mode, so it must reach the configuration.
	assert.Contains(t, flinkConfigOf(t, "native", config), "kubernetes.taskmanager.service-account: tm-sa")

	errs := renderErrors(t, "native", "v1_20", `    kubernetes.jobmanager.service-account: Not_A_Name`, "")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], `spec.flinkConfiguration[kubernetes.jobmanager.service-account]: Invalid value: "Not_A_Name": is not a valid service account name: `)
}

func TestEntryPath(t *testing.T) {
	config := `    kubernetes.entry.path: /opt/custom/entrypoint.sh`
	jm, tm, _ := renderDecorated(t, "standalone", config, "")
	for _, d := range []map[string]any{podSpecOf(t, jm), podSpecOf(t, tm)} {
		main := mainContainer(t, d)
		assert.Equal(t, []any{"/opt/custom/entrypoint.sh"}, main["command"])
	}
	assert.Equal(t, []any{"standalone-job", "--job-classname"}[0], slice(t, mainContainer(t, podSpecOf(t, jm)), "args")[0], "the arguments stay")

	jm, _, _ = renderDecorated(t, "native", config, "")
	main := mainContainer(t, podSpecOf(t, jm))
	assert.Equal(t, []any{"/opt/custom/entrypoint.sh"}, main["command"])
	assert.Equal(t, []any{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}, main["args"])

	jm, _, _ = renderDecorated(t, "native", "", "")
	assert.Equal(t, []any{"/docker-entrypoint.sh"}, mainContainer(t, podSpecOf(t, jm))["command"], "Flink's default")

	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.entry.path]: Invalid value: " ": must name the image's entrypoint script, for example /docker-entrypoint.sh`,
	}, renderErrors(t, "native", "v1_20", `    kubernetes.entry.path: " "`, ""))
}

func TestJobManagerEntrypointArgs(t *testing.T) {
	config := `    kubernetes.jobmanager.entrypoint.args: "-Dfoo=bar --verbose"
    kubernetes.taskmanager.entrypoint.args: "-Dtm=1"`
	jm, _, _ := renderDecorated(t, "native", config, "")
	assert.Equal(t, []any{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application -Dfoo=bar --verbose"},
		mainContainer(t, podSpecOf(t, jm))["args"])
	assert.Contains(t, flinkConfigOf(t, "native", config), "kubernetes.taskmanager.entrypoint.args: -Dtm=1", "Flink starts native TaskManagers with it")

	// The reference operator's standalone decorators read neither key.
	plainJM, plainTM, _ := renderDecorated(t, "standalone", "", "")
	jm, tm, _ := renderDecorated(t, "standalone", config, "")
	assert.Equal(t, mainContainer(t, podSpecOf(t, plainJM))["args"], mainContainer(t, podSpecOf(t, jm))["args"])
	assert.Equal(t, mainContainer(t, podSpecOf(t, plainTM))["args"], mainContainer(t, podSpecOf(t, tm))["args"])
}

func TestFlinkLogDir(t *testing.T) {
	config := `    kubernetes.flink.log.dir: /var/log/flink`
	want := map[string]any{"name": "FLINK_LOG_DIR", "value": "/var/log/flink"}

	jm, _, _ := renderDecorated(t, "native", config, "")
	env := slice(t, mainContainer(t, podSpecOf(t, jm)), "env")
	assert.Equal(t, []string{"_POD_IP_ADDRESS", "FLINK_LOG_DIR"}, names(env, "name"), "after the pod IP, as InitJobManagerDecorator adds it")
	assert.Equal(t, want, env[1])

	podTemplate := `  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          env: [{name: FLINK_LOG_DIR, value: /tmp}, {name: OTHER, value: kept}]`
	jm, tm, _ := renderDecorated(t, "standalone", config, podTemplate)
	for _, d := range []map[string]any{podSpecOf(t, jm), podSpecOf(t, tm)} {
		env := slice(t, mainContainer(t, d), "env")
		assert.Equal(t, want, env[0], "the template's variable is replaced in place")
		assert.Equal(t, map[string]any{"name": "OTHER", "value": "kept"}, env[1])
		assert.Len(t, names(env, "name"), len(env))
		assert.NotContains(t, names(env, "name")[2:], "FLINK_LOG_DIR")
	}
}

func TestHostNetworkIsRefused(t *testing.T) {
	jm, _, _ := renderDecorated(t, "native", `    kubernetes.hostnetwork.enabled: "FALSE"`, "")
	assert.NotContains(t, podSpecOf(t, jm), "hostNetwork")

	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.hostnetwork.enabled]: Invalid value: "true": host networking is not supported: Flink would move the JobManager's ports off those the rest Service and the operator use; remove the key or set it to false`,
	}, renderErrors(t, "standalone", "v1_20", `    kubernetes.hostnetwork.enabled: "true"`, ""))
	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.hostnetwork.enabled]: Invalid value: "yes": must be true or false`,
	}, renderErrors(t, "native", "v1_20", `    kubernetes.hostnetwork.enabled: "yes"`, ""))
}

// flinkConfigOf renders decoratedSpec on Flink 1.20 and returns its
// flink-conf.yaml.
func flinkConfigOf(t *testing.T, mode, config string) string {
	t.Helper()
	res, err := Render(decodeOne(t, decoratedSpec(mode, "v1_20", config, "")), RenderContext{})
	require.NoError(t, err)
	for _, o := range res.Objects {
		if o.GetKind() == "ConfigMap" && o.GetName() == "flink-config-dj" {
			conf, _, err := unstructured.NestedString(o.Object, "data", "flink-conf.yaml")
			require.NoError(t, err)
			return conf
		}
	}
	t.Fatal("no ConfigMap flink-config-dj")
	return ""
}
