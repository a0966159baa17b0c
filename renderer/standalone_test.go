package renderer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// standaloneSpec is a standalone cluster; job is the spec.job line (empty
// for a session cluster) and extra is appended to spec.
func standaloneSpec(version, config, job, extra string) string {
	return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: sa, namespace: team-a}
spec:
  image: flink:custom
  flinkVersion: %s
  serviceAccount: flink-sa
  mode: standalone
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
%s
  jobManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  taskManager: {resources: {requests: {memory: "4g", cpu: "2"}}}
%s
%s`, version, config, job, extra)
}

const standaloneJob = `  job:
    jarURI: local:///opt/flink/usrlib/job.jar
    parallelism: 5
    entryClass: com.example.Main
    args: ["--input", "s3://in", "--fast"]
    initialSavepointPath: s3://b/sp-1
    allowNonRestoredState: true`

func podSpecOf(t *testing.T, dep *unstructured.Unstructured) map[string]any {
	t.Helper()
	podSpec, found, err := unstructured.NestedMap(dep.Object, "spec", "template", "spec")
	require.NoError(t, err)
	require.True(t, found)
	return podSpec
}

func replicasOf(t *testing.T, dep *unstructured.Unstructured) any {
	t.Helper()
	v, found, err := unstructured.NestedFieldNoCopy(dep.Object, "spec", "replicas")
	require.NoError(t, err)
	require.True(t, found)
	return v
}

func names(list []any, key string) []string {
	var out []string
	for _, item := range list {
		out = append(out, fmt.Sprint(item.(map[string]any)[key]))
	}
	return out
}

func TestStandaloneApplication(t *testing.T) {
	res, err := Render(decodeOne(t, standaloneSpec("v1_20", "", standaloneJob, "")), RenderContext{})
	require.NoError(t, err)

	var ids []string
	for _, o := range res.Objects {
		ids = append(ids, o.GetKind()+"/"+o.GetName())
	}
	assert.Equal(t, []string{
		"ConfigMap/flink-config-sa",
		"Service/sa", "Service/sa-rest",
		"Deployment/sa", "Deployment/sa-taskmanager",
	}, ids, "no pod-template ConfigMap; the internal Service even without HA")
	for _, o := range res.Objects {
		assert.Equal(t, "sa", o.GetLabels()["app"], ObjectID(o))
		assert.Equal(t, "flink-standalone-kubernetes", o.GetLabels()["type"], ObjectID(o))
		assert.Equal(t, "flink-operator", o.GetLabels()["app.kubernetes.io/managed-by"], ObjectID(o))
	}

	jm := find(t, res.Objects, "Deployment", "sa")
	assert.Equal(t, "jobmanager", jm.GetLabels()["component"])
	jmPod := podSpecOf(t, jm)
	assert.Equal(t, false, jmPod["automountServiceAccountToken"], "standalone Flink needs no API access")
	assert.Equal(t, "flink-sa", jmPod["serviceAccountName"])
	main := mainContainer(t, jmPod)
	assert.Equal(t, []any{"/docker-entrypoint.sh"}, main["command"])
	assert.Equal(t, []any{
		"standalone-job", "--job-classname", "com.example.Main", "--allowNonRestoredState",
		"--fromSavepoint", "s3://b/sp-1", "--input", "s3://in", "--fast",
	}, main["args"])
	assert.ElementsMatch(t, []string{"/opt/flink/conf", userLibPath}, names(main["volumeMounts"].([]any), "mountPath"))
	assert.ElementsMatch(t, []string{"flink-config-volume", "user-lib-dir"}, names(jmPod["volumes"].([]any), "name"))
	for _, v := range jmPod["volumes"].([]any) {
		if v.(map[string]any)["name"] == "user-lib-dir" {
			assert.Equal(t, map[string]any{}, v.(map[string]any)["emptyDir"])
		}
	}

	tm := find(t, res.Objects, "Deployment", "sa-taskmanager")
	assert.Equal(t, "taskmanager", tm.GetLabels()["component"])
	assert.EqualValues(t, 3, replicasOf(t, tm), "ceil(parallelism 5 / 2 slots)")
	selector, _, _ := unstructured.NestedStringMap(tm.Object, "spec", "selector", "matchLabels")
	assert.Equal(t, map[string]string{"app": "sa", "component": "taskmanager", "type": "flink-standalone-kubernetes"}, selector)
	tmPod := podSpecOf(t, tm)
	assert.Equal(t, false, tmPod["automountServiceAccountToken"])
	tmMain := mainContainer(t, tmPod)
	assert.Equal(t, []any{"taskmanager"}, tmMain["args"])
	assert.Equal(t, []string{"taskmanager-rpc"}, names(tmMain["ports"].([]any), "name"))
	assert.Equal(t, []string{"/opt/flink/conf"}, names(tmMain["volumeMounts"].([]any), "mountPath"), "the usrlib emptyDir is the JobManager's")
	mem, _, _ := unstructured.NestedString(tmMain, "resources", "requests", "memory")
	assert.Equal(t, "4096Mi", mem)

	conf := configMap(res)
	for key, want := range map[string]string{
		"execution.target":       "remote",
		"pipeline.classpaths":    "file:///opt/flink/usrlib/job.jar",
		"jobmanager.rpc.address": "sa.team-a",
		"rest.bind-address":      "0.0.0.0",
		"jobmanager.bind-host":   "0.0.0.0",
		"taskmanager.bind-host":  "0.0.0.0",
		"parallelism.default":    "5",
		"blob.server.port":       "6124",
		"taskmanager.rpc.port":   "6122",
	} {
		assert.Equal(t, want, conf[key], key)
	}
	for _, key := range []string{"pipeline.jars", "kubernetes.pod-template-file.taskmanager", "high-availability.jobmanager.port"} {
		assert.NotContains(t, conf, key)
	}
}

func TestStandaloneHighAvailability(t *testing.T) {
	for _, c := range []struct {
		name, config string
		automount    bool
	}{
		{"kubernetes", "    high-availability.type: kubernetes\n    high-availability.storageDir: s3://ha", true},
		{"kubernetes factory class", "    high-availability: org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory\n    high-availability.storageDir: s3://ha", true},
		{"zookeeper", "    high-availability.type: zookeeper\n    high-availability.storageDir: s3://ha", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Render(decodeOne(t, standaloneSpec("v1_19", c.config, standaloneJob, "")), RenderContext{})
			require.NoError(t, err)
			find(t, res.Objects, "Service", "sa") // standalone keeps the internal Service with HA

			jmPod := podSpecOf(t, find(t, res.Objects, "Deployment", "sa"))
			args := mainContainer(t, jmPod)["args"].([]any)
			assert.Equal(t, []any{"-D", "jobmanager.rpc.address=$(_POD_IP_ADDRESS)", "--input", "s3://in", "--fast"}, args[len(args)-5:],
				"the JobManager publishes its pod IP, before the program's arguments")
			for _, dep := range []string{"sa", "sa-taskmanager"} {
				pod := podSpecOf(t, find(t, res.Objects, "Deployment", dep))
				if c.automount {
					assert.NotContains(t, pod, "automountServiceAccountToken", "Kubernetes HA uses the API")
				} else {
					assert.Equal(t, false, pod["automountServiceAccountToken"])
				}
			}
			assert.Equal(t, "6123", configMap(res)["high-availability.jobmanager.port"])
			assert.Equal(t, "sa", configMap(res)["high-availability.cluster-id"])
		})
	}
}

func TestStandaloneSession(t *testing.T) {
	res, err := Render(decodeOne(t, standaloneSpec("v1_17", "", "", "")), RenderContext{})
	require.NoError(t, err)
	jmPod := podSpecOf(t, find(t, res.Objects, "Deployment", "sa"))
	main := mainContainer(t, jmPod)
	assert.Equal(t, []any{"jobmanager"}, main["args"])
	assert.Equal(t, []string{"flink-config-volume"}, names(jmPod["volumes"].([]any), "name"), "no usrlib emptyDir for a session")
	assert.EqualValues(t, 1, replicasOf(t, find(t, res.Objects, "Deployment", "sa-taskmanager")))
	conf := configMap(res)
	assert.Equal(t, "remote", conf["execution.target"])
	assert.NotContains(t, conf, "pipeline.classpaths")
	assert.NotContains(t, conf, "parallelism.default")

	// With HA and TaskManager replicas.
	doc := standaloneSpec("v1_17", "    high-availability.type: kubernetes\n    high-availability.storageDir: s3://ha", "", "")
	doc = strings.Replace(doc, `taskManager: {resources`, `taskManager: {replicas: 4, resources`, 1)
	res, err = Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
	main = mainContainer(t, podSpecOf(t, find(t, res.Objects, "Deployment", "sa")))
	assert.Equal(t, []any{"jobmanager", "$(_POD_IP_ADDRESS)"}, main["args"], "1.x jobmanager.sh takes the address as its host argument")
	assert.EqualValues(t, 4, replicasOf(t, find(t, res.Objects, "Deployment", "sa-taskmanager")))

	// 2.x takes it as a dynamic property.
	res, err = Render(decodeOne(t, strings.Replace(doc, "v1_17", "v2_0", 1)), RenderContext{})
	require.NoError(t, err)
	main = mainContainer(t, podSpecOf(t, find(t, res.Objects, "Deployment", "sa")))
	assert.Equal(t, []any{"jobmanager", "-D", "jobmanager.rpc.address=$(_POD_IP_ADDRESS)"}, main["args"])
}

func TestStandaloneTaskManagerReplicasDecideParallelism(t *testing.T) {
	doc := standaloneSpec("v2_0", "", "  job: {jarURI: \"local:///opt/flink/usrlib/job.jar\"}", "")
	doc = strings.Replace(doc, `taskManager: {resources`, `taskManager: {replicas: 3, resources`, 1)
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
	assert.EqualValues(t, 3, replicasOf(t, find(t, res.Objects, "Deployment", "sa-taskmanager")))
	assert.Equal(t, "6", configMap(res)["parallelism.default"], "3 TaskManagers × 2 slots")
	main := mainContainer(t, podSpecOf(t, find(t, res.Objects, "Deployment", "sa")))
	assert.Equal(t, []any{"standalone-job"}, main["args"], "no class, savepoint or arguments given")
}

func TestStandaloneClasspath(t *testing.T) {
	for jar, want := range map[string]string{
		"local:///opt/flink/usrlib/job.jar": "file:///opt/flink/usrlib/job.jar",
		"file:///opt/flink/usrlib/job.jar":  "file:///opt/flink/usrlib/job.jar",
		// Fetched before Flink starts (artifact.go).
		"https://repo.example/job.jar": "file:///opt/flink/usrlib/job.jar",
	} {
		res, err := Render(decodeOne(t, standaloneSpec("v1_18", "", fmt.Sprintf("  job: {jarURI: %q, parallelism: 1}", jar), "")), RenderContext{})
		require.NoError(t, err)
		assert.Equal(t, want, configMap(res)["pipeline.classpaths"], jar)
	}
}

func TestStandaloneUserLibFromPodTemplate(t *testing.T) {
	for mountPath, emptyDir := range map[string]bool{
		"/opt/flink/usrlib":      false,
		"/opt/flink/usrlib/":     false,
		"/opt/flink/usrlib/jobs": false,
		"/opt/flink/usrlib2":     true,
		"/data":                  true,
	} {
		t.Run(mountPath, func(t *testing.T) {
			extra := fmt.Sprintf(`  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          volumeMounts: [{name: jars, mountPath: %q}]
      volumes: [{name: jars, persistentVolumeClaim: {claimName: jars}}]
`, mountPath)
			res, err := Render(decodeOne(t, standaloneSpec("v1_20", "", standaloneJob, extra)), RenderContext{})
			require.NoError(t, err)
			jmPod := podSpecOf(t, find(t, res.Objects, "Deployment", "sa"))
			volumes := names(jmPod["volumes"].([]any), "name")
			assert.Equal(t, emptyDir, contains(volumes, "user-lib-dir"), "volumes %v", volumes)
			assert.Contains(t, volumes, "jars")
			// The TaskManager gets the shared template too, never the emptyDir.
			tmPod := podSpecOf(t, find(t, res.Objects, "Deployment", "sa-taskmanager"))
			assert.ElementsMatch(t, []string{"flink-config-volume", "jars"}, names(tmPod["volumes"].([]any), "name"))
		})
	}

	// Only the JobManager's templates count.
	extra := `  taskManager:
    resources: {requests: {memory: "4g", cpu: "2"}}
    podTemplate:
      spec:
        containers: [{name: flink-main-container, volumeMounts: [{name: jars, mountPath: /opt/flink/usrlib}]}]
        volumes: [{name: jars, emptyDir: {}}]
`
	doc := strings.Replace(standaloneSpec("v1_20", "", standaloneJob, extra), `  taskManager: {resources: {requests: {memory: "4g", cpu: "2"}}}`+"\n", "", 1)
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
	jmPod := podSpecOf(t, find(t, res.Objects, "Deployment", "sa"))
	assert.Contains(t, names(jmPod["volumes"].([]any), "name"), "user-lib-dir")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestStandalonePodTemplatesByComponent(t *testing.T) {
	extra := `  podTemplate:
    metadata: {labels: {team: data}}
    spec:
      containers: [{name: log-shipper, image: fluent-bit:3}]
`
	doc := standaloneSpec("v1_20", "", standaloneJob, extra)
	doc = strings.Replace(doc, `  taskManager: {resources: {requests: {memory: "4g", cpu: "2"}}}`, `  taskManager:
    resources: {requests: {memory: "4g", cpu: "2"}}
    podTemplate:
      spec:
        automountServiceAccountToken: true
        containers: [{name: flink-main-container, env: [{name: TM_ONLY, value: "1"}]}]`, 1)
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)

	jm := find(t, res.Objects, "Deployment", "sa")
	tm := find(t, res.Objects, "Deployment", "sa-taskmanager")
	for _, dep := range []*unstructured.Unstructured{jm, tm} {
		labels, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "labels")
		assert.Equal(t, "data", labels["team"])
		containers, _, _ := unstructured.NestedSlice(podSpecOf(t, dep), "containers")
		assert.Contains(t, names(containers, "name"), "log-shipper")
	}
	tmMain := mainContainer(t, podSpecOf(t, tm))
	assert.Equal(t, []string{"TM_ONLY"}, names(tmMain["env"].([]any), "name"))
	assert.Equal(t, false, podSpecOf(t, tm)["automountServiceAccountToken"], "the operator's setting wins, as for every field it generates")
	jmMain := mainContainer(t, podSpecOf(t, jm))
	assert.Equal(t, []string{"_POD_IP_ADDRESS"}, names(jmMain["env"].([]any), "name"), "the TaskManager's template stays off the JobManager")
}

func TestStandaloneSuspendedRendersNothing(t *testing.T) {
	fd := decodeOne(t, standaloneSpec("v1_20", "", standaloneJob, ""))
	res, err := Render(fd, RenderContext{DesiredState: v1beta1.JobStateSuspended})
	require.NoError(t, err)
	assert.Empty(t, res.Objects)
}

func TestStandaloneRunsOldVersions(t *testing.T) {
	for _, v := range []string{"v1_11", "v1_12"} {
		t.Run(v, func(t *testing.T) {
			res, err := Render(decodeOne(t, standaloneSpec(v, "", standaloneJob, "")), RenderContext{})
			require.NoError(t, err)
			conf := configMap(res)
			assert.Equal(t, "flink:custom", conf["kubernetes.container.image"])
			assert.Equal(t, "s3://b/sp-1", conf["execution.savepoint.path"])
			assert.Equal(t, "flink-conf.yaml", res.ConfigFile)

			// Native mode cannot run them.
			doc := strings.Replace(standaloneSpec(v, "", standaloneJob, ""), "mode: standalone", "mode: native", 1)
			_, err = Render(decodeOne(t, doc), RenderContext{})
			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
			require.Len(t, invalid.Errors, 1)
			assert.Equal(t, "spec.flinkVersion", invalid.Errors[0].Field)
			assert.Contains(t, invalid.Errors[0].Error(), "native mode needs v1_13 or newer")
		})
	}

	// Kubernetes HA arrived in 1.12.
	_, err := Render(decodeOne(t, standaloneSpec("v1_11", "    high-availability: org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory\n    high-availability.storageDir: s3://ha", standaloneJob, "")), RenderContext{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	require.Len(t, invalid.Errors, 1)
	assert.Equal(t, "spec.flinkConfiguration[high-availability]", invalid.Errors[0].Field)
	_, err = Render(decodeOne(t, standaloneSpec("v1_12", "    high-availability: org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory\n    high-availability.storageDir: s3://ha", standaloneJob, "")), RenderContext{})
	require.NoError(t, err)
}

// The Go constants name what the templates generate.
func TestNamesInStepWithTemplates(t *testing.T) {
	res, err := Render(decodeOne(t, standaloneSpec("v1_20", "", standaloneJob, "")), RenderContext{})
	require.NoError(t, err)
	jmPod := podSpecOf(t, find(t, res.Objects, "Deployment", "sa"))
	main := mainContainer(t, jmPod)
	assert.Equal(t, mainContainerName, main["name"])
	var userLib []string
	for _, m := range main["volumeMounts"].([]any) {
		if m.(map[string]any)["name"] == "user-lib-dir" {
			userLib = append(userLib, m.(map[string]any)["mountPath"].(string))
		}
	}
	assert.Equal(t, []string{userLibPath}, userLib)
}
