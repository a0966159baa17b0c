package renderer

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

func decodeOne(t *testing.T, doc string) *v1beta1.FlinkDeployment {
	t.Helper()
	docs, errs := decode.File("test.yaml", []byte(doc))
	require.Empty(t, errs)
	require.Len(t, docs, 1)
	return docs[0].Object
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s among %d objects", kind, name, len(objs))
	return nil
}

func mainContainer(t *testing.T, podSpec map[string]any) map[string]any {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(podSpec, "containers")
	for _, c := range containers {
		if c.(map[string]any)["name"] == "flink-main-container" {
			return c.(map[string]any)
		}
	}
	t.Fatal("no flink-main-container")
	return nil
}

func spec(version, extra string) string {
	return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: my-job, namespace: team-a}
spec:
  image: registry.example/flink:custom
  flinkVersion: %s
  serviceAccount: flink-sa
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
    kubernetes.operator.periodic.savepoint.interval: 1h
    state.savepoints.dir: s3://bucket/savepoints
    job.autoscaler.enabled: "true"
  jobManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  taskManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  job: {jarURI: "local:///opt/flink/usrlib/job.jar", parallelism: 4}
%s`, version, extra)
}

// The acceptance case of the spine issue.
func TestNativeApplicationWithNestedHA(t *testing.T) {
	fd := decodeOne(t, `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: ha-job, namespace: prod}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    high-availability: {type: kubernetes, storageDir: "s3://bucket/ha"}
  jobManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  taskManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  job: {jarURI: "local:///opt/flink/usrlib/job.jar", parallelism: 2}
`)
	res, err := Render(fd, RenderContext{})
	require.NoError(t, err)

	dep := find(t, res.Objects, "Deployment", "ha-job")
	assert.Equal(t, "jobmanager", dep.GetLabels()["component"])
	assert.Equal(t, "flink-native-kubernetes", dep.GetLabels()["type"])
	assert.Equal(t, "flink-operator", dep.GetLabels()["app.kubernetes.io/managed-by"])
	podSpec, _, _ := unstructured.NestedMap(dep.Object, "spec", "template", "spec")
	assert.Equal(t, "flink", podSpec["serviceAccountName"])
	main := mainContainer(t, podSpec)
	assert.Equal(t, "flink:1.20", main["image"])
	assert.Equal(t, []any{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}, main["args"])
	mem, _, _ := unstructured.NestedString(main, "resources", "requests", "memory")
	assert.Equal(t, "2048Mi", mem, "2048m is Flink's 2048 MiB, not 2.048 bytes")

	rest := find(t, res.Objects, "Service", "ha-job-rest")
	ports, _, _ := unstructured.NestedSlice(rest.Object, "spec", "ports")
	require.Len(t, ports, 1)
	assert.EqualValues(t, 8081, ports[0].(map[string]any)["port"])

	// Flink creates the internal Service only without HA.
	for _, o := range res.Objects {
		assert.False(t, o.GetKind() == "Service" && o.GetName() == "ha-job", "internal Service rendered with HA on")
	}

	cm := find(t, res.Objects, "ConfigMap", "flink-config-ha-job")
	conf, _, _ := unstructured.NestedString(cm.Object, "data", "flink-conf.yaml")
	for _, line := range []string{
		"kubernetes.cluster-id: ha-job",
		"kubernetes.namespace: prod",
		"high-availability.type: kubernetes",
		"high-availability.storageDir: s3://bucket/ha",
		"high-availability.cluster-id: ha-job",
		"jobmanager.memory.process.size: 2048m",
		"execution.target: kubernetes-application",
		"pipeline.jars: local:///opt/flink/usrlib/job.jar",
		"execution.shutdown-on-application-finish: false",
	} {
		assert.Contains(t, conf, line+"\n")
	}
}

func TestConfigFilePerVersion(t *testing.T) {
	for _, mode := range []v1beta1.DeploymentMode{v1beta1.ModeNative, v1beta1.ModeStandalone} {
		for _, v := range versions.ForMode(mode) {
			t.Run(string(mode)+"/"+string(v), func(t *testing.T) {
				res, err := Render(decodeOne(t, spec(string(v), "  mode: "+string(mode)+"\n")), RenderContext{})
				require.NoError(t, err)
				cm := find(t, res.Objects, "ConfigMap", "flink-config-my-job")
				data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
				want := "flink-conf.yaml"
				if strings.HasPrefix(string(v), "v2_") {
					want = "config.yaml"
				}
				assert.Equal(t, want, res.ConfigFile)
				assert.Contains(t, data, want)
				assert.Contains(t, data, "log4j-console.properties", "the ConfigMap hides the image's log config; a default is needed")
				assert.Len(t, data, 2)
			})
		}
	}
}

func TestVersionedKeys(t *testing.T) {
	cases := []struct {
		version                   v1beta1.FlinkVersion
		imageKey, cpuKey, restore string
	}{
		{"v1_13", "kubernetes.container.image", "kubernetes.jobmanager.cpu", "execution.savepoint.path"},
		{"v1_16", "kubernetes.container.image", "kubernetes.jobmanager.cpu", "execution.savepoint.path"},
		{"v1_17", "kubernetes.container.image.ref", "kubernetes.jobmanager.cpu.amount", "execution.savepoint.path"},
		{"v1_19", "kubernetes.container.image.ref", "kubernetes.jobmanager.cpu.amount", "execution.savepoint.path"},
		{"v1_20", "kubernetes.container.image.ref", "kubernetes.jobmanager.cpu.amount", "execution.state-recovery.path"},
		{"v2_2", "kubernetes.container.image.ref", "kubernetes.jobmanager.cpu.amount", "execution.state-recovery.path"},
		// 2.3 and 2.4 renamed none of these keys (templates/versions).
		{"v2_3", "kubernetes.container.image.ref", "kubernetes.jobmanager.cpu.amount", "execution.state-recovery.path"},
		{"v2_4", "kubernetes.container.image.ref", "kubernetes.jobmanager.cpu.amount", "execution.state-recovery.path"},
	}
	for _, c := range cases {
		t.Run(string(c.version), func(t *testing.T) {
			res, err := Render(decodeOne(t, spec(string(c.version), "")), RenderContext{RestorePath: "s3://b/sp-1"})
			require.NoError(t, err)
			conf := configMap(res)
			assert.Equal(t, "registry.example/flink:custom", conf[c.imageKey])
			assert.Equal(t, "1.0", conf[c.cpuKey])
			assert.Equal(t, "s3://b/sp-1", conf[c.restore])
		})
	}
}

func configMap(res *Result) map[string]string {
	m := map[string]string{}
	for _, e := range res.FlinkConfiguration {
		m[e.Key] = e.String()
	}
	return m
}

func TestOperatorKeysAreNotShipped(t *testing.T) {
	res, err := Render(decodeOne(t, spec("v1_20", "")), RenderContext{})
	require.NoError(t, err)
	for _, e := range res.FlinkConfiguration {
		assert.False(t, IsOperatorOnlyKey(e.Key), "operator key %s reached Flink", e.Key)
	}
	cm := find(t, res.Objects, "ConfigMap", "flink-config-my-job")
	conf, _, _ := unstructured.NestedString(cm.Object, "data", "flink-conf.yaml")
	assert.NotContains(t, conf, "kubernetes.operator.")
	assert.NotContains(t, conf, "job.autoscaler.")
	assert.Contains(t, conf, "taskmanager.numberOfTaskSlots: 2\n", "user keys pass through")
}

func TestRenderContext(t *testing.T) {
	withInitial := strings.Replace(spec("v1_20", ""), `parallelism: 4}`, `parallelism: 4, initialSavepointPath: "s3://b/initial"}`, 1)
	fd := decodeOne(t, withInitial)

	res, err := Render(fd, RenderContext{})
	require.NoError(t, err)
	assert.Equal(t, "s3://b/initial", configMap(res)["execution.state-recovery.path"], "a fresh deploy starts from initialSavepointPath")

	res, err = Render(fd, RenderContext{RestorePath: "s3://b/upgrade"})
	require.NoError(t, err)
	assert.Equal(t, "s3://b/upgrade", configMap(res)["execution.state-recovery.path"])

	res, err = Render(fd, RenderContext{StartEmpty: true})
	require.NoError(t, err)
	assert.NotContains(t, configMap(res), "execution.state-recovery.path")

	res, err = Render(fd, RenderContext{JobID: "0123456789abcdef0123456789abcdef"})
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef0123456789abcdef", configMap(res)["$internal.pipeline.job-id"])

	res, err = Render(fd, RenderContext{DesiredState: v1beta1.JobStateSuspended})
	require.NoError(t, err)
	assert.Empty(t, res.Objects, "a suspended job runs nothing")
}

func TestRenderDoesNotModifyInput(t *testing.T) {
	fd := decodeOne(t, spec("v1_20", ""))
	before := fd.DeepCopy()
	_, err := Render(fd, RenderContext{})
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(before, fd))
}

func TestDeterministicAndConcurrent(t *testing.T) {
	fd := decodeOne(t, spec("v2_1", ""))
	first, err := Render(fd, RenderContext{})
	require.NoError(t, err)
	want, err := EncodeYAML(first.Objects)
	require.NoError(t, err)

	var wg sync.WaitGroup
	results := make([][]byte, 16)
	errs := make([]error, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Render(fd, RenderContext{})
			if err != nil {
				errs[i] = err
				return
			}
			results[i], errs[i] = EncodeYAML(res.Objects)
		}()
	}
	wg.Wait()
	for i := range results {
		require.NoError(t, errs[i])
		assert.Equal(t, string(want), string(results[i]), "render %d differs", i)
	}
}

func TestApplyOrder(t *testing.T) {
	res, err := Render(decodeOne(t, spec("v1_18", "")), RenderContext{})
	require.NoError(t, err)
	var kinds []string
	for _, o := range res.Objects {
		kinds = append(kinds, o.GetKind()+"/"+o.GetName())
	}
	assert.Equal(t, []string{
		"ConfigMap/flink-config-my-job", "ConfigMap/pod-template-my-job",
		"Service/my-job", "Service/my-job-rest", "Deployment/my-job",
	}, kinds)
}

func TestOverlappingKeysRejectedForConfigYAML(t *testing.T) {
	doc := strings.Replace(spec("v2_0", ""), "taskmanager.numberOfTaskSlots: 2", "taskmanager.numberOfTaskSlots: 2\n    state.backend: rocksdb\n    state.backend.incremental: true", 1)
	_, err := Render(decodeOne(t, doc), RenderContext{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	require.Len(t, invalid.Errors, 1)
	assert.Equal(t, "spec.flinkConfiguration[state.backend]", invalid.Errors[0].Field)
	assert.Contains(t, invalid.Errors[0].Detail, `"state.backend" is also the prefix of "state.backend.incremental"`)

	// flink-conf.yaml is flat, so the same keys are fine before 2.0.
	doc = strings.Replace(doc, "v2_0", "v1_20", 1)
	_, err = Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
}

func TestResources(t *testing.T) {
	doc := `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: res, namespace: ns}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager:
    resources:
      requests: {memory: "1000m", cpu: "500m", ephemeral-storage: 2Gi}
      limits: {memory: "2000m", cpu: 2}
  taskManager:
    resource: {memory: "2g", cpu: 1.5, ephemeralStorage: 10Gi}
  job: {jarURI: "local:///x.jar", parallelism: 1}
`
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
	conf := configMap(res)
	assert.Equal(t, "1000m", conf["jobmanager.memory.process.size"], "1000m is 1000 MiB to Flink")
	assert.Equal(t, "2.0", conf["kubernetes.jobmanager.memory.limit-factor"])
	assert.Equal(t, "0.5", conf["kubernetes.jobmanager.cpu.amount"])
	assert.Equal(t, "4.0", conf["kubernetes.jobmanager.cpu.limit-factor"])
	assert.Equal(t, "2048m", conf["taskmanager.memory.process.size"])
	assert.Equal(t, "1.5", conf["kubernetes.taskmanager.cpu.amount"])

	dep := find(t, res.Objects, "Deployment", "res")
	podSpec, _, _ := unstructured.NestedMap(dep.Object, "spec", "template", "spec")
	resources := mainContainer(t, podSpec)["resources"]
	assert.Equal(t, map[string]any{
		"requests": map[string]any{"memory": "1000Mi", "cpu": "500m", "ephemeral-storage": "2Gi"},
		"limits":   map[string]any{"memory": "2000Mi", "cpu": "2"},
	}, resources)

	cm := find(t, res.Objects, "ConfigMap", "pod-template-res")
	tmpl, _, _ := unstructured.NestedString(cm.Object, "data", "taskmanager-pod-template.yaml")
	assert.Contains(t, tmpl, "ephemeral-storage: 10Gi")
}

func TestPodTemplateMergeByName(t *testing.T) {
	doc := spec("v1_20", `  podTemplate:
    metadata:
      labels: {team: data}
    spec:
      nodeSelector: {pool: flink}
      tolerations: [{key: dedicated, operator: Equal, value: flink, effect: NoSchedule}]
      containers:
        - name: log-shipper
          image: fluent-bit:3
        - name: flink-main-container
          image: attacker/override:latest
          env: [{name: EXTRA, value: "1"}]
          volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, emptyDir: {}}]
`)
	doc = strings.Replace(doc, `jobManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}`,
		`jobManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
    podTemplate:
      spec:
        containers: [{name: flink-main-container, env: [{name: JM_ONLY, value: "yes"}]}]`, 1)
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)

	dep := find(t, res.Objects, "Deployment", "my-job")
	tmplMeta, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "labels")
	assert.Equal(t, "data", tmplMeta["team"], "user pod labels are kept")
	assert.Equal(t, "jobmanager", tmplMeta["component"], "operator labels win")

	podSpec, _, _ := unstructured.NestedMap(dep.Object, "spec", "template", "spec")
	assert.Equal(t, map[string]any{"pool": "flink"}, podSpec["nodeSelector"])
	assert.Len(t, podSpec["tolerations"], 1)
	containers, _, _ := unstructured.NestedSlice(podSpec, "containers")
	require.Len(t, containers, 2, "sidecar kept next to the main container")

	main := mainContainer(t, podSpec)
	assert.Equal(t, "registry.example/flink:custom", main["image"], "spec.image wins over the template")
	var envNames []string
	for _, e := range main["env"].([]any) {
		envNames = append(envNames, e.(map[string]any)["name"].(string))
	}
	assert.ElementsMatch(t, []string{"EXTRA", "JM_ONLY", "_POD_IP_ADDRESS"}, envNames, "env merged by name across both templates")
	var mounts []string
	for _, m := range main["volumeMounts"].([]any) {
		mounts = append(mounts, m.(map[string]any)["mountPath"].(string))
	}
	assert.ElementsMatch(t, []string{"/data", "/opt/flink/conf", "/opt/flink/pod-template"}, mounts)
	var volumes []string
	for _, v := range podSpec["volumes"].([]any) {
		volumes = append(volumes, v.(map[string]any)["name"].(string))
	}
	assert.ElementsMatch(t, []string{"data", "flink-config-volume", "pod-template-volume"}, volumes)

	// The TaskManager pod template gets the shared template, not the JobManager's.
	cm := find(t, res.Objects, "ConfigMap", "pod-template-my-job")
	tm, _, _ := unstructured.NestedString(cm.Object, "data", "taskmanager-pod-template.yaml")
	assert.Contains(t, tm, "log-shipper")
	assert.Contains(t, tm, "EXTRA")
	assert.NotContains(t, tm, "JM_ONLY")
}

func TestInvalidInputListsEveryError(t *testing.T) {
	fd := decodeOne(t, `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: bad, namespace: ns}
spec:
  flinkVersion: v1_20
  flinkConfiguration: {kubernetes.cluster-id: other}
  jobManager: {replicas: 2}
  job: {jarURI: "local:///x.jar", parallelism: 0}
`)
	_, err := Render(fd, RenderContext{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	var fields []string
	for _, e := range invalid.Errors {
		fields = append(fields, e.Field)
	}
	assert.ElementsMatch(t, []string{
		"spec.image", "spec.serviceAccount", "spec.flinkConfiguration[kubernetes.cluster-id]",
		"spec.job.parallelism", "spec.jobManager.replicas",
		"spec.jobManager.resource.memory", "spec.taskManager.resource.memory",
	}, fields)
}

func TestCanaryRendersNothing(t *testing.T) {
	fd := decodeOne(t, `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: canary, namespace: ns, labels: {flink.apache.org/canary: "true"}}
`)
	res, err := Render(fd, RenderContext{})
	require.NoError(t, err)
	assert.Empty(t, res.Objects)
}

// Modes and template keys are built on first use, while renders of keys
// already built go on in other goroutines: the results are the same as
// from a set built in advance. (Run with -race to check the sharing.)
func TestTemplatesBuildWhileOthersRender(t *testing.T) {
	fresh := &templateSet{module: templates.module}
	keys := []templateKey{
		{v1beta1.ModeNative, v1beta1.FlinkVersion("v1_20")},
		{v1beta1.ModeStandalone, v1beta1.FlinkVersion("v1_20")},
		{v1beta1.ModeNative, v1beta1.FlinkVersion("v2_2")},
		{v1beta1.ModeStandalone, v1beta1.FlinkVersion("v1_18")},
	}
	inputs := make([]*v1beta1.FlinkDeployment, len(keys))
	for i, key := range keys {
		inputs[i] = decodeOne(t, spec(string(key.version), "  mode: "+string(key.mode)+"\n"))
	}
	var wg sync.WaitGroup
	errs := make([]error, 4*len(keys))
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := keys[i%len(keys)]
			tmpl, err := fresh.get(key)
			if err != nil {
				errs[i] = err
				return
			}
			p, err := prepare(inputs[i%len(keys)], RenderContext{})
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = evaluate(tmpl, p.input, p.artifact)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Len(t, fresh.modes, 2)
	assert.Len(t, fresh.built, len(keys))
}
