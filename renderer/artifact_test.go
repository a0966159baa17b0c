package renderer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const jarDigest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// fetchedSpec is an application cluster with the given jarURI; extra is
// appended to spec.
func fetchedSpec(mode, jarURI, extra string) string {
	return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: fetched, namespace: jobs}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  mode: %s
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: %q
    parallelism: 2
%s`, mode, jarURI, extra)
}

// initContainers returns a Deployment's init containers by name.
func initContainers(t *testing.T, dep *unstructured.Unstructured) map[string]map[string]any {
	t.Helper()
	list, _, err := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "initContainers")
	require.NoError(t, err)
	out := map[string]map[string]any{}
	for _, c := range list {
		out[c.(map[string]any)["name"].(string)] = c.(map[string]any)
	}
	return out
}

func mounts(container map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := container["volumeMounts"].([]any)
	for _, m := range list {
		out[m.(map[string]any)["mountPath"].(string)] = m.(map[string]any)["name"].(string)
	}
	return out
}

func volumeNames(t *testing.T, dep *unstructured.Unstructured) []string {
	list, _ := podSpecOf(t, dep)["volumes"].([]any)
	return names(list, "name")
}

func TestNativeFetchedJar(t *testing.T) {
	uri := "https://repo.example.com/jobs/my-job-1.0.jar#sha256=" + jarDigest
	res, err := Render(decodeOne(t, fetchedSpec("native", uri, "")), RenderContext{FetcherImage: "registry.example/flink-fetch:1.2.3"})
	require.NoError(t, err)
	assert.Equal(t, "local:///opt/flink/usrlib/my-job-1.0.jar", configMap(res)["pipeline.jars"])

	jm := find(t, res.Objects, "Deployment", "fetched")
	fetch := initContainers(t, jm)[fetchContainerName]
	require.NotNil(t, fetch, "init container %s", fetchContainerName)
	assert.Equal(t, "registry.example/flink-fetch:1.2.3", fetch["image"])
	assert.Equal(t, []any{"/usr/local/bin/flink-fetch"}, fetch["command"], "the binary of the flink-fetch image, not its entrypoint")
	assert.Equal(t, []any{"--uri", uri, "--dest", "/opt/flink/usrlib", "--file", "my-job-1.0.jar"}, fetch["args"])
	assert.Equal(t, map[string]string{"/opt/flink/usrlib": "user-lib-dir"}, mounts(fetch))
	assert.Equal(t, map[string]any{
		"allowPrivilegeEscalation": false,
		"capabilities":             map[string]any{"drop": []any{"ALL"}},
		"readOnlyRootFilesystem":   true,
		"runAsNonRoot":             true,
		"runAsUser":                int64(9999),
		"runAsGroup":               int64(9999),
		"seccompProfile":           map[string]any{"type": "RuntimeDefault"},
	}, fetch["securityContext"])
	assert.Equal(t, map[string]any{
		"requests": map[string]any{"cpu": "100m", "memory": "64Mi"},
		"limits":   map[string]any{"cpu": "1", "memory": "256Mi"},
	}, fetch["resources"])
	assert.Equal(t, "user-lib-dir", mounts(mainContainer(t, podSpecOf(t, jm)))["/opt/flink/usrlib"], "Flink reads the jar the init container wrote")
	assert.Contains(t, volumeNames(t, jm), "user-lib-dir")

	// TaskManagers get the jar from the JobManager (blob server).
	template := find(t, res.Objects, "ConfigMap", "pod-template-fetched").Object["data"].(map[string]any)["taskmanager-pod-template.yaml"].(string)
	assert.NotContains(t, template, "initContainers")
	assert.NotContains(t, template, "usrlib")
}

func TestStandaloneFetchedJar(t *testing.T) {
	uri := "s3://jobs/flink/job.jar"
	res, err := Render(decodeOne(t, fetchedSpec("standalone", uri, "")), RenderContext{})
	require.NoError(t, err)
	assert.Equal(t, "file:///opt/flink/usrlib/job.jar", configMap(res)["pipeline.classpaths"])
	assert.NotContains(t, configMap(res), "pipeline.jars")

	// Both processes load the job's classes from the path, so both fetch.
	for _, name := range []string{"fetched", "fetched-taskmanager"} {
		dep := find(t, res.Objects, "Deployment", name)
		fetch := initContainers(t, dep)[fetchContainerName]
		require.NotNil(t, fetch, name)
		assert.Equal(t, DefaultFetcherImage, fetch["image"], name)
		assert.Equal(t, []any{"/usr/local/bin/flink-fetch"}, fetch["command"], name)
		assert.Equal(t, []any{"--uri", uri, "--dest", "/opt/flink/usrlib", "--file", "job.jar"}, fetch["args"], name)
		assert.Equal(t, "user-lib-dir", mounts(mainContainer(t, podSpecOf(t, dep)))["/opt/flink/usrlib"], name)
		assert.Equal(t, 1, strings.Count(strings.Join(volumeNames(t, dep), ","), "user-lib-dir"), name)
	}
}

func TestJarInImageFetchesNothing(t *testing.T) {
	for _, mode := range []string{"native", "standalone"} {
		res, err := Render(decodeOne(t, fetchedSpec(mode, "local:///opt/flink/usrlib/job.jar", "")), RenderContext{FetcherImage: "ignored"})
		require.NoError(t, err)
		for _, o := range res.Objects {
			if o.GetKind() == "Deployment" {
				assert.Empty(t, initContainers(t, o), "%s %s", mode, o.GetName())
			}
		}
	}
	res, err := Render(decodeOne(t, fetchedSpec("native", "local:///opt/flink/usrlib/job.jar", "")), RenderContext{})
	require.NoError(t, err)
	assert.NotContains(t, volumeNames(t, find(t, res.Objects, "Deployment", "fetched")), "user-lib-dir", "native mode mounts no usrlib for a jar in the image")
}

func TestSuspendedJobFetchesNothing(t *testing.T) {
	res, err := Render(decodeOne(t, fetchedSpec("native", "gs://jobs/job.jar", "")), RenderContext{DesiredState: v1beta1.JobStateSuspended})
	require.NoError(t, err)
	assert.Empty(t, res.Objects)
}

func TestFetchedJarFileName(t *testing.T) {
	for uri, file := range map[string]string{
		"https://repo.example.com/download?artifact=job":       "job.jar",
		"gs://jobs/releases/streaming-pipeline_2.12-3.1.0.jar": "streaming-pipeline_2.12-3.1.0.jar",
		"s3://jobs/latest": "job.jar",
	} {
		res, err := Render(decodeOne(t, fetchedSpec("native", uri, "")), RenderContext{})
		require.NoError(t, err, uri)
		assert.Equal(t, "local:///opt/flink/usrlib/"+file, configMap(res)["pipeline.jars"], uri)
		args := initContainers(t, find(t, res.Objects, "Deployment", "fetched"))[fetchContainerName]["args"].([]any)
		assert.Equal(t, file, args[len(args)-1], uri)
	}
}

func TestPlainHTTPJar(t *testing.T) {
	fd := decodeOne(t, fetchedSpec("native", "http://repo.internal/job.jar", ""))
	_, err := Render(fd, RenderContext{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	require.Len(t, invalid.Errors, 1, "reported once: %v", invalid.Errors)
	assert.Equal(t, "spec.job.jarURI", invalid.Errors[0].Field)
	assert.Contains(t, invalid.Errors[0].Error(), `"http://repo.internal/job.jar"`, "names what it had")
	assert.Contains(t, invalid.Errors[0].Error(), "https://", "names what is allowed")
	assert.Contains(t, invalid.Errors[0].Error(), "--allow-http-artifacts", "says how to allow it")

	res, err := Render(fd, RenderContext{AllowHTTPArtifacts: true})
	require.NoError(t, err)
	args := initContainers(t, find(t, res.Objects, "Deployment", "fetched"))[fetchContainerName]["args"]
	assert.Equal(t, []any{"--uri", "http://repo.internal/job.jar", "--dest", "/opt/flink/usrlib", "--file", "job.jar", "--allow-http"}, args)

	// Allowing http changes nothing for https.
	res, err = Render(decodeOne(t, fetchedSpec("native", "https://repo.internal/job.jar", "")), RenderContext{AllowHTTPArtifacts: true})
	require.NoError(t, err)
	assert.NotContains(t, initContainers(t, find(t, res.Objects, "Deployment", "fetched"))[fetchContainerName]["args"], "--allow-http")
}

func TestBadJarURIs(t *testing.T) {
	for uri, want := range map[string]string{
		"hdfs://namenode/jobs/job.jar":           "hdfs",
		"https://repo.example.com/a.jar#md5=abc": "#sha256=<64 hex digits>",
		"s3://jobs/job.jar?versionId=4":          "must not have a query",
	} {
		t.Run(uri, func(t *testing.T) {
			_, err := Render(decodeOne(t, fetchedSpec("standalone", uri, "")), RenderContext{AllowHTTPArtifacts: true})
			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
			require.Len(t, invalid.Errors, 1, "reported once: %v", invalid.Errors)
			assert.Equal(t, "spec.job.jarURI", invalid.Errors[0].Field)
			assert.Contains(t, invalid.Errors[0].Error(), want)
		})
	}
}

func TestBadJarURIDoesNotShowSecrets(t *testing.T) {
	_, err := Render(decodeOne(t, fetchedSpec("native", "https://repo.example.com/a.jar?sig=s3cret#md5=abc", "")), RenderContext{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	require.Len(t, invalid.Errors, 1)
	assert.Equal(t, "spec.job.jarURI", invalid.Errors[0].Field)
	assert.NotContains(t, invalid.Error(), "s3cret")
}

// The fetcher gets what the user gave Flink's container: env, envFrom and
// mounts (read-only), so a Secret referenced there reaches it.
func TestFetcherInheritsTheMainContainersCredentials(t *testing.T) {
	extra := `  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          env:
            - {name: AWS_REGION, value: eu-west-1}
            - {name: AWS_ACCESS_KEY_ID, valueFrom: {secretKeyRef: {name: s3, key: id}}}
          envFrom: [{secretRef: {name: proxy-settings}}]
          volumeMounts:
            - {name: gcp-key, mountPath: /var/secrets/google}
            - {name: extra-libs, mountPath: /opt/flink/usrlib/extra}
        - name: sidecar
          image: busybox
          env: [{name: SIDECAR_ONLY, value: "1"}]
      volumes:
        - {name: gcp-key, secret: {secretName: gcp-key}}
        - {name: extra-libs, emptyDir: {}}
  jobManager:
    resource: {memory: 2048m, cpu: 1}
    podTemplate:
      spec:
        initContainers:
          - name: fetch-artifacts
            env: [{name: AWS_REGION, value: us-east-2}]
        containers:
          - name: flink-main-container
            env: [{name: GOOGLE_APPLICATION_CREDENTIALS, value: /var/secrets/google/key.json}]
`
	doc := strings.Replace(fetchedSpec("standalone", "gs://jobs/job.jar", extra), "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n", "", 1)
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)

	jm := find(t, res.Objects, "Deployment", "fetched")
	fetch := initContainers(t, jm)[fetchContainerName]
	require.NotNil(t, fetch)
	assert.Equal(t, []any{
		map[string]any{"name": "AWS_REGION", "value": "us-east-2"},
		map[string]any{"name": "AWS_ACCESS_KEY_ID", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s3", "key": "id"}}},
		map[string]any{"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/var/secrets/google/key.json"},
	}, fetch["env"], "the user's own setting on fetch-artifacts wins; the sidecar's and the operator's variables stay out")
	assert.Equal(t, []any{map[string]any{"secretRef": map[string]any{"name": "proxy-settings"}}}, fetch["envFrom"])
	assert.Equal(t, []any{
		map[string]any{"name": "user-lib-dir", "mountPath": "/opt/flink/usrlib"},
		map[string]any{"name": "gcp-key", "mountPath": "/var/secrets/google", "readOnly": true},
	}, fetch["volumeMounts"], "mounts under usrlib stay Flink's")
	// The mount below usrlib needs the folder itself as a volume for the
	// fetcher to write into.
	assert.Equal(t, "user-lib-dir", mounts(mainContainer(t, podSpecOf(t, jm)))["/opt/flink/usrlib"])
	assert.Equal(t, "extra-libs", mounts(mainContainer(t, podSpecOf(t, jm)))["/opt/flink/usrlib/extra"])

	// The TaskManager's fetcher gets the shared template's, not the
	// JobManager's.
	tmFetch := initContainers(t, find(t, res.Objects, "Deployment", "fetched-taskmanager"))[fetchContainerName]
	assert.Equal(t, []string{"AWS_REGION", "AWS_ACCESS_KEY_ID"}, names(tmFetch["env"].([]any), "name"))
	assert.Equal(t, "eu-west-1", tmFetch["env"].([]any)[0].(map[string]any)["value"])
}

// A volume the user mounts at usrlib receives the jar: nothing is mounted
// over it.
func TestFetchIntoTheUsersVolume(t *testing.T) {
	extra := `  podTemplate:
    spec:
      containers:
        - name: flink-main-container
          volumeMounts: [{name: jars, mountPath: /opt/flink/usrlib/}]
      volumes: [{name: jars, persistentVolumeClaim: {claimName: jars}}]
`
	for _, mode := range []string{"native", "standalone"} {
		res, err := Render(decodeOne(t, fetchedSpec(mode, "https://repo.example.com/job.jar", extra)), RenderContext{})
		require.NoError(t, err)
		deployments := []string{"fetched"}
		if mode == "standalone" {
			deployments = append(deployments, "fetched-taskmanager")
		}
		for _, name := range deployments {
			dep := find(t, res.Objects, "Deployment", name)
			fetch := initContainers(t, dep)[fetchContainerName]
			assert.Equal(t, "jars", mounts(fetch)["/opt/flink/usrlib"], "%s %s", mode, name)
			assert.NotContains(t, volumeNames(t, dep), "user-lib-dir", "%s %s", mode, name)
			assert.Equal(t, "jars", mounts(mainContainer(t, podSpecOf(t, dep)))["/opt/flink/usrlib/"], "%s %s", mode, name)
		}
	}
}

// Credentials given through the Flink keys Flink's decorators read reach the
// fetcher as they reach the main container: the process's
// containerized.*.env variables, kubernetes.env.secretKeyRef and, read-only,
// kubernetes.secrets.
func TestFetcherInheritsCredentialsFromFlinkKeys(t *testing.T) {
	extra := `  flinkConfiguration:
    containerized.master.env.AWS_REGION: eu-west-1
    containerized.taskmanager.env.AWS_REGION: eu-central-1
    kubernetes.env.secretKeyRef: env:AWS_ACCESS_KEY_ID,secret:s3,key:id
    kubernetes.secrets: gcp-key:/var/secrets/google
`
	res, err := Render(decodeOne(t, fetchedSpec("standalone", "s3://jobs/job.jar", extra)), RenderContext{})
	require.NoError(t, err)
	for dep, region := range map[string]string{"fetched": "eu-west-1", "fetched-taskmanager": "eu-central-1"} {
		fetch := initContainers(t, find(t, res.Objects, "Deployment", dep))[fetchContainerName]
		require.NotNil(t, fetch, dep)
		assert.Equal(t, []any{
			map[string]any{"name": "AWS_REGION", "value": region},
			map[string]any{"name": "AWS_ACCESS_KEY_ID", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s3", "key": "id"}}},
		}, fetch["env"], dep)
		assert.Contains(t, fetch["volumeMounts"], map[string]any{"name": "gcp-key-volume", "mountPath": "/var/secrets/google", "readOnly": true}, dep)
	}
}

// An --artifact-mirror fetches the jar from the mirror; the checksum and
// the file Flink is given stay the same.
func TestMirroredJarIsFetchedFromTheMirror(t *testing.T) {
	uri := "https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming/2.2.0/flink-examples-streaming-2.2.0.jar#sha256=" + jarDigest
	mirror, err := artifact.ParseMirror("https://repo1.maven.org/maven2/=https://nexus.example.com/repository/central/")
	require.NoError(t, err)
	res, err := Render(decodeOne(t, fetchedSpec("native", uri, "")), RenderContext{ArtifactMirrors: artifact.Mirrors{mirror}})
	require.NoError(t, err)
	fetch := initContainers(t, find(t, res.Objects, "Deployment", "fetched"))[fetchContainerName]
	require.NotNil(t, fetch)
	assert.Equal(t, []any{"--uri", "https://nexus.example.com/repository/central/org/apache/flink/flink-examples-streaming/2.2.0/flink-examples-streaming-2.2.0.jar#sha256=" + jarDigest,
		"--dest", "/opt/flink/usrlib", "--file", "flink-examples-streaming-2.2.0.jar"}, fetch["args"])
	assert.Equal(t, "local:///opt/flink/usrlib/flink-examples-streaming-2.2.0.jar", configMap(res)["pipeline.jars"])

	// A jarURI no mirror names is fetched where it says.
	other := "https://repo.example.com/jobs/my-job-1.0.jar"
	res, err = Render(decodeOne(t, fetchedSpec("native", other, "")), RenderContext{ArtifactMirrors: artifact.Mirrors{mirror}})
	require.NoError(t, err)
	assert.Equal(t, other, initContainers(t, find(t, res.Objects, "Deployment", "fetched"))[fetchContainerName]["args"].([]any)[1])
}
