package renderer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// decoratedSpec is an application cluster "dj" in namespace team-a with
// extra flinkConfiguration lines (indented by four spaces) and extra spec
// fields.
func decoratedSpec(mode, version, config, extra string) string {
	return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: dj, namespace: team-a}
spec:
  image: flink:custom
  flinkVersion: %s
  mode: %s
  serviceAccount: flink-sa
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
%s
  jobManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  taskManager: {resources: {requests: {memory: "2048m", cpu: "1"}}}
  job: {jarURI: "local:///opt/flink/usrlib/job.jar", parallelism: 2}
%s`, version, mode, config, extra)
}

// renderDecorated renders decoratedSpec and returns the JobManager
// Deployment, the TaskManager Deployment (nil in native mode) and the rest
// Service.
func renderDecorated(t *testing.T, mode, config, extra string) (jm, tm, rest *unstructured.Unstructured) {
	t.Helper()
	res, err := Render(decodeOne(t, decoratedSpec(mode, "v1_20", config, extra)), RenderContext{})
	require.NoError(t, err)
	for _, o := range res.Objects {
		switch {
		case o.GetKind() == "Deployment" && o.GetName() == "dj":
			jm = o
		case o.GetKind() == "Deployment" && o.GetName() == "dj-taskmanager":
			tm = o
		case o.GetKind() == "Service" && o.GetName() == "dj-rest":
			rest = o
		}
	}
	require.NotNil(t, jm)
	require.NotNil(t, rest)
	if mode == "standalone" {
		require.NotNil(t, tm)
	}
	return jm, tm, rest
}

// renderErrors renders decoratedSpec and returns its errors as text.
func renderErrors(t *testing.T, mode, version, config, extra string) []string {
	t.Helper()
	_, err := Render(decodeOne(t, decoratedSpec(mode, version, config, extra)), RenderContext{})
	var invalid *InvalidError
	require.True(t, errors.As(err, &invalid), "want an *InvalidError, got %v", err)
	out := make([]string, len(invalid.Errors))
	for i, e := range invalid.Errors {
		out[i] = e.Error()
	}
	return out
}

func stringMap(t *testing.T, obj map[string]any, path ...string) map[string]string {
	t.Helper()
	m, _, err := unstructured.NestedStringMap(obj, path...)
	require.NoError(t, err)
	return m
}

func slice(t *testing.T, obj map[string]any, path ...string) []any {
	t.Helper()
	s, _, err := unstructured.NestedSlice(obj, path...)
	require.NoError(t, err)
	return s
}

func TestRestServiceExposedType(t *testing.T) {
	for value, want := range map[string]map[string]any{
		"":                   {"type": "ClusterIP"},
		"NodePort":           {"type": "NodePort"},
		"loadbalancer":       {"type": "LoadBalancer"}, // Flink reads enums ignoring case
		"ClusterIP":          {"type": "ClusterIP"},
		"Headless_ClusterIP": {"type": "ClusterIP", "clusterIP": "None"},
	} {
		t.Run(value, func(t *testing.T) {
			config := ""
			if value != "" {
				config = "    kubernetes.rest-service.exposed.type: " + value
			}
			for _, mode := range []string{"native", "standalone"} {
				_, _, rest := renderDecorated(t, mode, config, "")
				spec, _, _ := unstructured.NestedMap(rest.Object, "spec")
				assert.Equal(t, want["type"], spec["type"], mode)
				assert.Equal(t, want["clusterIP"], spec["clusterIP"], mode)
				assert.Equal(t, map[string]any{"app": "dj", "component": "jobmanager", "type": "flink-" + mode + "-kubernetes"}, spec["selector"])
			}
		})
	}
	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.rest-service.exposed.type]: Invalid value: "Ingress": must be one of ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP`,
	}, renderErrors(t, "native", "v1_20", "    kubernetes.rest-service.exposed.type: Ingress", ""))
}

func TestRestServiceAnnotations(t *testing.T) {
	_, _, rest := renderDecorated(t, "native", `    kubernetes.rest-service.annotations: "a.example.com/x:1,b:'http://host:80'"`, "")
	assert.Equal(t, map[string]string{"a.example.com/x": "1", "b": "http://host:80"}, rest.GetAnnotations())
	assert.Equal(t, map[string]string{"app": "dj", "type": "flink-native-kubernetes", "app.kubernetes.io/managed-by": "flink-operator"}, rest.GetLabels())

	// A map may also be given as keys below its key, which is what nested
	// YAML flattens to; Flink reads it so when the key itself is absent.
	_, _, rest = renderDecorated(t, "standalone", `    kubernetes.rest-service.annotations:
      service.beta.kubernetes.io/aws-load-balancer-internal: "true"
      example.com/url: http://host:80`, "")
	assert.Equal(t, map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true", "example.com/url": "http://host:80"}, rest.GetAnnotations())
}

func TestJobManagerLabelsAndAnnotations(t *testing.T) {
	config := `    kubernetes.jobmanager.labels: team:data,tier:backend,app:other,app.kubernetes.io/managed-by:someone
    kubernetes.jobmanager.annotations: example.com/a:1,example.com/b:2`
	podTemplate := `  podTemplate:
    metadata:
      labels: {tier: frontend, kept: "yes"}
      annotations: {example.com/b: template, example.com/c: template}`
	jm, _, _ := renderDecorated(t, "native", config, podTemplate)

	// The Deployment: Flink's labels and ours win; annotations as given.
	assert.Equal(t, map[string]string{
		"app": "dj", "component": "jobmanager", "type": "flink-native-kubernetes",
		"app.kubernetes.io/managed-by": "flink-operator", "team": "data", "tier": "backend",
	}, jm.GetLabels())
	assert.Equal(t, map[string]string{"example.com/a": "1", "example.com/b": "2"}, jm.GetAnnotations())
	assert.Equal(t, map[string]string{"app": "dj", "component": "jobmanager", "type": "flink-native-kubernetes"},
		stringMap(t, jm.Object, "spec", "selector", "matchLabels"), "the selector never changes")

	// The pod: the keys win over the pod template, Flink's labels over both.
	assert.Equal(t, map[string]string{
		"app": "dj", "component": "jobmanager", "type": "flink-native-kubernetes",
		"team": "data", "tier": "backend", "kept": "yes", "app.kubernetes.io/managed-by": "someone",
	}, stringMap(t, jm.Object, "spec", "template", "metadata", "labels"))
	assert.Equal(t, map[string]string{"example.com/a": "1", "example.com/b": "2", "example.com/c": "template"},
		stringMap(t, jm.Object, "spec", "template", "metadata", "annotations"))
}

// The reference operator puts kubernetes.jobmanager.labels over a
// standalone JobManager's selector labels; a different value would give
// pods the Deployment does not select.
func TestStandaloneJobManagerLabelsMustKeepTheSelector(t *testing.T) {
	jm, _, _ := renderDecorated(t, "standalone", "    kubernetes.jobmanager.labels: team:data,component:jobmanager", "")
	assert.Equal(t, "data", jm.GetLabels()["team"])

	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.jobmanager.labels]: Invalid value: "team:data,app:other": label "app" selects the JobManager's pods and must stay "dj": standalone Flink puts these labels over its own, and pods that do not match their Deployment's selector are rejected`,
	}, renderErrors(t, "standalone", "v1_20", "    kubernetes.jobmanager.labels: team:data,app:other", ""))
	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.jobmanager.labels.component]: Invalid value: "main": label "component" selects the JobManager's pods and must stay "jobmanager": standalone Flink puts these labels over its own, and pods that do not match their Deployment's selector are rejected`,
	}, renderErrors(t, "standalone", "v1_20", "    kubernetes.jobmanager.labels: {component: main}", ""))

	// TaskManager labels stay under Flink's, as in native mode.
	_, tm, _ := renderDecorated(t, "standalone", "    kubernetes.taskmanager.labels: component:other,team:data", "")
	assert.Equal(t, "taskmanager", tm.GetLabels()["component"])
	assert.Equal(t, "taskmanager", stringMap(t, tm.Object, "spec", "template", "metadata", "labels")["component"])
	assert.Equal(t, "data", tm.GetLabels()["team"])
}

func TestNodeSelectorAndTolerations(t *testing.T) {
	config := `    kubernetes.jobmanager.node-selector: disktype:ssd,zone:a
    kubernetes.jobmanager.tolerations: key:dedicated,operator:Equal,value:flink,effect:NoSchedule;KEY:gone,Operator:Exists,effect:NoExecute,TolerationSeconds:30
    kubernetes.taskmanager.node-selector: pool:workers
    kubernetes.taskmanager.tolerations: operator:Exists`
	podTemplate := `  podTemplate:
    spec:
      nodeSelector: {zone: b, other: kept}
      tolerations: [{key: from-template, operator: Exists}]`
	jm, tm, _ := renderDecorated(t, "standalone", config, podTemplate)

	assert.Equal(t, map[string]string{"disktype": "ssd", "zone": "a", "other": "kept"}, stringMap(t, jm.Object, "spec", "template", "spec", "nodeSelector"))
	assert.Equal(t, []any{
		map[string]any{"key": "from-template", "operator": "Exists"},
		map[string]any{"key": "dedicated", "operator": "Equal", "value": "flink", "effect": "NoSchedule"},
		map[string]any{"key": "gone", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": int64(30)},
	}, slice(t, jm.Object, "spec", "template", "spec", "tolerations"), "appended after the pod template's; field names ignore case, as in Flink")

	assert.Equal(t, map[string]string{"pool": "workers", "zone": "b", "other": "kept"}, stringMap(t, tm.Object, "spec", "template", "spec", "nodeSelector"))
	assert.Equal(t, []any{
		map[string]any{"key": "from-template", "operator": "Exists"},
		map[string]any{"operator": "Exists"},
	}, slice(t, tm.Object, "spec", "template", "spec", "tolerations"))

	// Native mode: Flink creates the TaskManager pods and applies the
	// TaskManager keys itself; the JobManager gets only its own.
	jm, _, _ = renderDecorated(t, "native", config, "")
	assert.Equal(t, map[string]string{"disktype": "ssd", "zone": "a"}, stringMap(t, jm.Object, "spec", "template", "spec", "nodeSelector"))
	assert.Len(t, slice(t, jm.Object, "spec", "template", "spec", "tolerations"), 2)
}

func TestBadTolerations(t *testing.T) {
	for value, want := range map[string]string{
		"key:a,operator:equal":                          `toleration 1: operator "equal" must be Equal or Exists`,
		"key:a,operator:Exists,value:b":                 "toleration 1: value must be empty when operator is Exists",
		"operator:Equal,value:b":                        "toleration 1: operator must be Exists when key is empty (which matches every taint)",
		"key:a,effect:NoSchedule,tolerationSeconds:5":   "toleration 1: effect must be NoExecute when tolerationSeconds is set",
		"key:a,effect:NoExecute,tolerationSeconds:soon": `toleration 1: tolerationSeconds "soon" is not a whole number`,
		"key:a;key:b,effect:Never":                      `toleration 2: effect "Never" must be NoSchedule, PreferNoSchedule or NoExecute`,
		"key:a,colour:blue":                             `toleration 1: unknown field "colour"; a toleration has key, operator, value, effect and tolerationSeconds`,
		"key:a,Key:b":                                   "toleration 1: key is given twice",
		"key:a b":                                       `toleration 1: key "a b" is not a valid label name`,
		"key:a,operator":                                `must be key:<key>,operator:<Equal|Exists>,value:<value>,effect:<NoSchedule|PreferNoSchedule|NoExecute>[,tolerationSeconds:<seconds>][;...]: "operator" is not a key:value pair`,
	} {
		t.Run(value, func(t *testing.T) {
			errs := renderErrors(t, "native", "v1_20", "    kubernetes.taskmanager.tolerations: \""+value+"\"", "")
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0], `spec.flinkConfiguration[kubernetes.taskmanager.tolerations]: Invalid value: "`+value+`": `+want)
		})
	}
	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.jobmanager.tolerations.key]: Invalid value: "a": kubernetes.jobmanager.tolerations is a list given as one value, key:<key>,operator:<Equal|Exists>,value:<value>,effect:<NoSchedule|PreferNoSchedule|NoExecute>[,tolerationSeconds:<seconds>][;...]; Flink does not read keys below it`,
	}, renderErrors(t, "native", "v1_20", "    kubernetes.jobmanager.tolerations: {key: a}", ""))
}

func TestImagePullSecrets(t *testing.T) {
	podTemplate := `  podTemplate:
    spec:
      imagePullSecrets: [{name: from-template}, {name: registry-b}]`
	jm, tm, _ := renderDecorated(t, "standalone", `    kubernetes.container.image.pull-secrets: "registry-a; registry-b;;"`, podTemplate)
	want := []any{map[string]any{"name": "from-template"}, map[string]any{"name": "registry-b"}, map[string]any{"name": "registry-a"}}
	assert.Equal(t, want, slice(t, jm.Object, "spec", "template", "spec", "imagePullSecrets"))
	assert.Equal(t, want, slice(t, tm.Object, "spec", "template", "spec", "imagePullSecrets"))

	jm, _, _ = renderDecorated(t, "native", `    kubernetes.container.image.pull-secrets: registry-a`, "")
	assert.Equal(t, []any{map[string]any{"name": "registry-a"}}, slice(t, jm.Object, "spec", "template", "spec", "imagePullSecrets"))

	errs := renderErrors(t, "native", "v1_20", `    kubernetes.container.image.pull-secrets: "ok;Not_OK"`, "")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], `spec.flinkConfiguration[kubernetes.container.image.pull-secrets]: Invalid value: "ok;Not_OK": "Not_OK" is not a valid secret name: `)
}

func TestContainerizedEnv(t *testing.T) {
	config := `    containerized.master.env.LOG_LEVEL: debug
    containerized.master.env.FROM_TEMPLATE: overridden
    containerized.taskmanager.env.LOG_LEVEL: info
    containerized:
      taskmanager:
        env:
          NESTED: "1"`
	podTemplate := `  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          env: [{name: FROM_TEMPLATE, value: template}, {name: OTHER, value: kept}]`
	jm, tm, _ := renderDecorated(t, "standalone", config, podTemplate)

	jmEnv := slice(t, mainContainer(t, podSpecOf(t, jm)), "env")
	assert.Equal(t, []any{
		map[string]any{"name": "FROM_TEMPLATE", "value": "overridden"},
		map[string]any{"name": "OTHER", "value": "kept"},
		map[string]any{"name": "LOG_LEVEL", "value": "debug"},
		map[string]any{"name": "_POD_IP_ADDRESS", "valueFrom": map[string]any{"fieldRef": map[string]any{"apiVersion": "v1", "fieldPath": "status.podIP"}}},
	}, jmEnv, "before _POD_IP_ADDRESS, as InitJobManagerDecorator adds them; a template variable is replaced in place")

	tmEnv := slice(t, mainContainer(t, podSpecOf(t, tm)), "env")
	assert.Equal(t, []any{
		map[string]any{"name": "FROM_TEMPLATE", "value": "template"},
		map[string]any{"name": "OTHER", "value": "kept"},
		map[string]any{"name": "LOG_LEVEL", "value": "info"},
		map[string]any{"name": "NESTED", "value": "1"},
	}, tmEnv)

	// Native mode: the JobManager only.
	jm, _, _ = renderDecorated(t, "native", config, "")
	assert.Equal(t, "LOG_LEVEL", names(slice(t, mainContainer(t, podSpecOf(t, jm)), "env"), "name")[1])

	assert.Equal(t, []string{
		`spec.flinkConfiguration[containerized.master.env.A=B]: Invalid value: "x": "A=B" is not a valid environment variable name: a valid environment variable name must consist only of printable ASCII characters other than '='`,
		`spec.flinkConfiguration[containerized.master.env._POD_IP_ADDRESS]: Invalid value: "10.0.0.1": Flink sets _POD_IP_ADDRESS to the pod's IP address itself`,
	}, renderErrors(t, "native", "v1_20", `    containerized.master.env._POD_IP_ADDRESS: 10.0.0.1
    containerized.master.env.A=B: x`, ""))
}

func TestEnvSecretKeyRef(t *testing.T) {
	podTemplate := `  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          env: [{name: TOKEN, value: plain}]`
	jm, tm, _ := renderDecorated(t, "standalone", `    kubernetes.env.secretKeyRef: env:DB_PASSWORD,secret:db,key:password;env:TOKEN,secret:api,key:token`, podTemplate)
	secretRef := func(secret, key string) map[string]any {
		return map[string]any{"secretKeyRef": map[string]any{"name": secret, "key": key}}
	}
	for _, dep := range []*unstructured.Unstructured{jm, tm} {
		env := slice(t, mainContainer(t, podSpecOf(t, dep)), "env")
		assert.Contains(t, env, map[string]any{"name": "DB_PASSWORD", "valueFrom": secretRef("db", "password")}, dep.GetName())
		assert.Contains(t, env, map[string]any{"name": "TOKEN", "valueFrom": secretRef("api", "token")}, "the secret wins over the pod template")
		assert.Equal(t, 1, strings.Count(fmt.Sprint(names(env, "name")), "TOKEN"))
	}
	assert.Equal(t, "DB_PASSWORD", names(slice(t, mainContainer(t, podSpecOf(t, jm)), "env"), "name")[2], "after _POD_IP_ADDRESS")

	for value, want := range map[string]string{
		"env:A,secret:s":                            "item 1: each item needs env, secret and key",
		"env:A,secret:s,key:k,optional:x":           `item 1: unknown field "optional"; each item has env, secret and key`,
		"env:A,secret:s,key:k;env:A,secret:t,key:k": `item 2: the variable "A" is given twice`,
		"env:A,secret:S,key:k":                      `item 1: "S" is not a valid secret name`,
		"env:A,secret:s,key:k/x":                    `item 1: "k/x" is not a valid secret key`,
		"env:_POD_IP_ADDRESS,secret:s,key:k":        "item 1: Flink sets _POD_IP_ADDRESS to the pod's IP address itself",
	} {
		errs := renderErrors(t, "native", "v1_20", "    kubernetes.env.secretKeyRef: "+value, "")
		if assert.Len(t, errs, 1, value) {
			assert.Contains(t, errs[0], `spec.flinkConfiguration[kubernetes.env.secretKeyRef]: Invalid value: "`+value+`": `+want)
		}
	}
}

func TestSecretsAreMounted(t *testing.T) {
	jm, tm, _ := renderDecorated(t, "standalone", `    kubernetes.secrets: tls:/opt/tls,gcp-key:/var/secrets/google`, "")
	for _, dep := range []*unstructured.Unstructured{jm, tm} {
		pod := podSpecOf(t, dep)
		volumes := slice(t, pod, "volumes")
		assert.Contains(t, volumes, map[string]any{"name": "tls-volume", "secret": map[string]any{"secretName": "tls"}}, dep.GetName())
		assert.Contains(t, volumes, map[string]any{"name": "gcp-key-volume", "secret": map[string]any{"secretName": "gcp-key"}}, dep.GetName())
		mounts := slice(t, mainContainer(t, pod), "volumeMounts")
		assert.Contains(t, mounts, map[string]any{"name": "tls-volume", "mountPath": "/opt/tls"})
		assert.Contains(t, mounts, map[string]any{"name": "gcp-key-volume", "mountPath": "/var/secrets/google"})
	}
	assert.Contains(t, names(slice(t, podSpecOf(t, jm), "volumes"), "name"), "user-lib-dir")

	// A secret at usrlib takes the emptyDir's place, as in the reference
	// operator's UserLibMountDecorator.
	jm, _, _ = renderDecorated(t, "standalone", `    kubernetes.secrets: jars:/opt/flink/usrlib`, "")
	assert.Equal(t, []string{"flink-config-volume", "jars-volume"}, names(slice(t, podSpecOf(t, jm), "volumes"), "name"))

	// Native mode: the JobManager.
	jm, _, _ = renderDecorated(t, "native", `    kubernetes.secrets: {tls: /opt/tls}`, "")
	assert.Contains(t, names(slice(t, podSpecOf(t, jm), "volumes"), "name"), "tls-volume")
}

func TestBadSecrets(t *testing.T) {
	for value, want := range map[string]string{
		"tls":                 `must be <secret name>:<mount path>[,...]: "tls" is not a key:value pair`,
		"tls:opt/tls":         `must be <secret name>:<mount path>[,...]: the mount path "opt/tls" of secret "tls" is not absolute`,
		"my.tls:/opt/tls":     `Flink mounts secret "my.tls" as volume "my.tls-volume", which is not a valid volume name`,
		"TLS:/opt/tls":        `must be <secret name>:<mount path>[,...]: "TLS" is not a valid secret name`,
		"a:/opt/x,b:/opt/x/":  `secrets "a" and "b" are both mounted at /opt/x`,
		"flink-config:/x":     `the pod already has a volume named "flink-config-volume", the name Flink gives the volume of secret "flink-config"`,
		"tls:/opt/flink/conf": `the main container already mounts a volume at /opt/flink/conf, where secret "tls" would go`,
	} {
		errs := renderErrors(t, "native", "v1_20", "    kubernetes.secrets: "+value, "")
		if assert.Len(t, errs, 1, value) {
			assert.Contains(t, errs[0], `spec.flinkConfiguration[kubernetes.secrets]: Invalid value: "`+value+`": `+want)
		}
	}
	// The pod templates' volumes and mounts count too; the problem is
	// reported once, though both Deployments have it.
	errs := renderErrors(t, "standalone", "v1_20", "    kubernetes.secrets: tls:/opt/tls", `  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          volumeMounts: [{name: scratch, mountPath: /opt/tls}]
      volumes: [{name: scratch, emptyDir: {}}]`)
	assert.Equal(t, []string{
		`spec.flinkConfiguration[kubernetes.secrets]: Invalid value: "tls:/opt/tls": the main container already mounts a volume at /opt/tls, where secret "tls" would go`,
	}, errs)
}

// Flink 2.x reads config.yaml values as YAML first.
func TestFlink2ReadsYAMLValues(t *testing.T) {
	config := `    kubernetes.jobmanager.annotations: "{example.com/url: 'http://host:80'}"
    kubernetes.container.image.pull-secrets: "[a, b]"`
	res, err := Render(decodeOne(t, decoratedSpec("native", "v2_2", config, "")), RenderContext{})
	require.NoError(t, err)
	jm := find(t, res.Objects, "Deployment", "dj")
	assert.Equal(t, map[string]string{"example.com/url": "http://host:80"}, jm.GetAnnotations())
	assert.Equal(t, []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}, slice(t, jm.Object, "spec", "template", "spec", "imagePullSecrets"))

	// Flink 1.x reads the same text in its own syntax, where it is wrong.
	errs := renderErrors(t, "native", "v1_20", config, "")
	require.Len(t, errs, 2)
	assert.Contains(t, errs[0], `spec.flinkConfiguration[kubernetes.jobmanager.annotations]`)
	assert.Contains(t, errs[1], `spec.flinkConfiguration[kubernetes.container.image.pull-secrets]: Invalid value: "[a, b]": "[a, b]" is not a valid secret name`)
}

// Problems with these keys are reported together with the spec's others.
func TestDecoratorErrorsComeWithTheOthers(t *testing.T) {
	errs := renderErrors(t, "native", "v1_20", `    kubernetes.jobmanager.labels: "bad label:x"
    kubernetes.rest-service.exposed.type: Route`, "  ingress: {}")
	require.Len(t, errs, 3, "%q", errs)
	assert.Contains(t, strings.Join(errs, "\n"), "spec.ingress.template: Required value")
	assert.Contains(t, strings.Join(errs, "\n"), `spec.flinkConfiguration[kubernetes.jobmanager.labels]: Invalid value: "bad label:x": "bad label" is not a valid label name`)
	assert.Contains(t, strings.Join(errs, "\n"), `spec.flinkConfiguration[kubernetes.rest-service.exposed.type]: Invalid value: "Route"`)
}

// The templates build the decorations from input.decorations, beside the
// pods they go into; without any key there is no section at all.
func TestTemplatesBuildTheDecorations(t *testing.T) {
	config := `    kubernetes.jobmanager.tolerations: key:dedicated,operator:Exists
    kubernetes.container.image.pull-secrets: registry-a
    kubernetes.secrets: tls:/opt/tls
    kubernetes.env.secretKeyRef: env:DB_PASSWORD,secret:db,key:password`
	sections := func(mode, config string) map[string]any {
		t.Helper()
		p, err := prepare(decodeOne(t, decoratedSpec(mode, "v1_20", config, "")), RenderContext{})
		require.NoError(t, err)
		out, err := evaluate(p.template, p.input, p.artifact)
		require.NoError(t, err)
		return out.Decorations
	}
	native := sections("native", config)
	assert.Equal(t, []string{"jobManager"}, slices.Sorted(maps.Keys(native)), "native TaskManager pods are Flink's own")
	jm := native["jobManager"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"key": "dedicated", "operator": "Exists"}}, jm["tolerations"])
	assert.Equal(t, []any{map[string]any{"name": "registry-a"}}, jm["imagePullSecrets"])
	assert.Equal(t, []any{map[string]any{"name": "tls-volume", "secret": map[string]any{"secretName": "tls"}}}, jm["volumes"])
	assert.Equal(t, map[string]any{
		"env":          []any{map[string]any{"set": map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}}}},
		"volumeMounts": []any{map[string]any{"name": "tls-volume", "mountPath": "/opt/tls"}},
	}, jm["main"])

	assert.Equal(t, []string{"jobManager", "taskManager"}, slices.Sorted(maps.Keys(sections("standalone", config))))
	assert.Nil(t, sections("standalone", ""))
}
