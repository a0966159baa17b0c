package sessionjob_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const testFetcherImage = "registry.example/flink-fetch:test"

// s3Job is the session job "orders" with an s3:// jar and the Secret of
// its credentials.
func s3Job(t *testing.T, ns string) {
	t.Helper()
	doc := strings.Replace(sessionJobDoc(`  flinkConfiguration:
    `+sessionjob.CredentialsSecretKey+`: s3-credentials
`), "jarURI: "+jarServer.URL+"/job.jar", "jarURI: s3://jobs/orders/orders-1.4.jar", 1)
	createSessionJob(t, ns, doc)
}

func podReconciler() *sessionjob.Reconciler {
	r, _ := newReconciler(k8s, nil)
	r.FetcherImage = testFetcherImage
	return r
}

// fetchPods are the pods that fetch the jar of "orders".
func fetchPods(t *testing.T, ns string) []corev1.Pod {
	t.Helper()
	list := &corev1.PodList{}
	require.NoError(t, k8s.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{sessionjob.SessionJobLabel: "orders"}))
	return list.Items
}

// finishFetchPod does what the pod does, with no kubelet in this test:
// uploads a jar under the name the operator chose, and ends Succeeded (or
// Failed with message) with the jar id as its termination message.
func finishFetchPod(t *testing.T, cluster *fakejm.Cluster, pod *corev1.Pod, failed string) string {
	t.Helper()
	jarID := ""
	if failed == "" {
		file := pod.Spec.Containers[0].Args[slices.Index(pod.Spec.Containers[0].Args, "--file")+1]
		jarID = cluster.AddJar(file, []byte("PK\x03\x04 from s3"))
	}
	pod.Status.Phase = corev1.PodSucceeded
	state := corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", Message: jarID}
	if failed != "" {
		pod.Status.Phase = corev1.PodFailed
		state = corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: failed}
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "fetch-jar", Image: testFetcherImage, State: corev1.ContainerState{Terminated: &state}}}
	require.NoError(t, k8s.Status().Update(context.Background(), pod))
	return jarID
}

// TestS3JarIsFetchedInAPod: the operator links no cloud SDK, so an s3://
// jar is fetched by a pod of the flink-fetch image, with the session's
// service account and the Secret the session job names, which uploads it
// to the session's JobManager and answers the jar id. A restart of the
// operator while the pod runs finds the same pod; once recorded, the jar
// runs under the job id recorded first, and the pod is deleted.
func TestS3JarIsFetchedInAPod(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	s3Job(t, ns)
	driveUntil(t, podReconciler(), ns, 4, "a fetch pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	sj := getSJ(t, ns)
	jobID := sj.Status.Upgrade.JobID
	pod := fetchPods(t, ns)[0]

	assert.True(t, metav1.IsControlledBy(&pod, sj), "owned by the session job")
	assert.Equal(t, corev1.RestartPolicyNever, pod.Spec.RestartPolicy)
	assert.Equal(t, "flink", pod.Spec.ServiceAccountName, "the session's service account")
	assert.False(t, *pod.Spec.AutomountServiceAccountToken)
	c := pod.Spec.Containers[0]
	assert.Equal(t, testFetcherImage, c.Image)
	assert.Equal(t, []string{"/usr/local/bin/flink-fetch"}, c.Command)
	assert.Equal(t, []string{"--uri", "s3://jobs/orders/orders-1.4.jar", "--dest", "/tmp/jar", "--file", ns + "_orders_1.jar",
		"--upload-to", jmServer.URL + "/" + ns + "/session", "--flink-version", "v1_20", "--result-file", "/var/run/flink-fetch/jar-id"}, c.Args)
	assert.Equal(t, "/var/run/flink-fetch/jar-id", c.TerminationMessagePath)
	require.Len(t, c.EnvFrom, 1)
	assert.Equal(t, "s3-credentials", c.EnvFrom[0].SecretRef.Name)
	assert.True(t, *c.SecurityContext.RunAsNonRoot)
	assert.Zero(t, cluster.Counters().JarUploads, "the operator uploads nothing itself")

	// Restarted while the pod runs: the same pod, no second one.
	driveUntil(t, podReconciler(), ns, 2, "still one pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	assert.Equal(t, pod.Name, fetchPods(t, ns)[0].Name)

	jarID := finishFetchPod(t, cluster, &pod, "")
	driveUntil(t, podReconciler(), ns, 10, "RUNNING", running)
	sj = getSJ(t, ns)
	assert.Equal(t, jobID, sj.Status.JobStatus.JobID, "the job id recorded first")
	runs := cluster.RequestsTo("POST /jars/:jarid/run")
	require.Len(t, runs, 1)
	assert.Contains(t, runs[0].Path, jarID, "the pod's jar is run")
	assert.Empty(t, fetchPods(t, ns), "the pod is deleted once its answer is recorded")
	assert.Empty(t, cluster.Jars(), "and the jar once the job runs")
}

// A pod that fails is an error naming the cause and the pod, and is
// deleted; the next pass makes another for the same submission.
func TestFailedFetchPodIsRetried(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	s3Job(t, ns)
	r := podReconciler()
	driveUntil(t, r, ns, 4, "a fetch pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	pod := fetchPods(t, ns)[0]
	finishFetchPod(t, cluster, &pod, "flink-fetch: s3://jobs/orders/orders-1.4.jar: 403 Forbidden")
	_, err := reconcileOnce(t, r, ns)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "403 Forbidden")
	assert.Contains(t, err.Error(), "Pod/"+ns+"/"+pod.Name)
	assert.Empty(t, fetchPods(t, ns), "the failed pod is deleted")
	driveUntil(t, r, ns, 2, "another pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	assert.Zero(t, cluster.Counters().JarRuns)
}

// A session job deleted while its pod fetches ends the pod before its
// finalizer deletes its jars, so no upload lands after the sweep.
func TestDeletionEndsTheFetchPod(t *testing.T) {
	ns := newNamespace(t)
	createSession(t, ns, readySession)
	s3Job(t, ns)
	r := podReconciler()
	driveUntil(t, r, ns, 4, "a fetch pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	deleteSJ(t, ns)
	gone(t, r, ns, 6)
	assert.Empty(t, fetchPods(t, ns))
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "orders"}, &v1beta1.FlinkSessionJob{})
	assert.True(t, apierrors.IsNotFound(err))
}

// A session that serves REST over TLS is reached by the fetch pod as the
// operator reaches it: the pod gets the session's configuration (its
// ConfigMap) and, read-only, the volume the JobManager mounts its stores
// from, and flink-fetch reads the keys there (--upload-flink-config). A
// JobManager that mounts nothing at a store's path holds the submission,
// naming the path, until it does.
func TestS3JarOnATLSSessionMountsItsStores(t *testing.T) {
	ns := newNamespace(t)
	createSession(t, ns, readySession)
	fd := getFD(t, ns)
	fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
		"security.ssl.rest.enabled": "true", "security.ssl.rest.authentication-enabled": "true",
		"security.ssl.rest.truststore": "/opt/flink/tls/truststore.p12", "security.ssl.rest.truststore-password": "pw",
		"security.ssl.rest.keystore": "/opt/flink/tls/keystore.p12", "security.ssl.rest.keystore-password": "pw",
	})
	require.NoError(t, k8s.Update(context.Background(), fd))
	jm := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: fd.Name, Namespace: ns, Labels: map[string]string{"app": fd.Name, "component": "jobmanager"}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": fd.Name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": fd.Name}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink:1.20",
						VolumeMounts: []corev1.VolumeMount{{Name: "flink-config-volume", MountPath: "/opt/flink/conf"}}}},
					Volumes: []corev1.Volume{
						{Name: "flink-config-volume", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "flink-config-" + fd.Name}}}},
						{Name: "rest-tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "flink-rest-cert"}}},
					},
				},
			},
		},
	}
	require.NoError(t, k8s.Create(context.Background(), jm))
	s3Job(t, ns)
	r := podReconciler()
	driveUntil(t, r, ns, 4, "held", func(sj *v1beta1.FlinkSessionJob) bool {
		return strings.Contains(sj.Status.Error, "mounts nothing at /opt/flink/tls/truststore.p12")
	})
	assert.Empty(t, fetchPods(t, ns), "no pod that could not upload")
	assert.True(t, meta.IsStatusConditionTrue(getSJ(t, ns).Status.Conditions, "Stalled"), "the user must act")

	// The JobManager mounts the Secret, as Flink itself needs it.
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKeyFromObject(jm), jm))
	jm.Spec.Template.Spec.Containers[0].VolumeMounts = append(jm.Spec.Template.Spec.Containers[0].VolumeMounts,
		corev1.VolumeMount{Name: "rest-tls", MountPath: "/opt/flink/tls"})
	require.NoError(t, k8s.Update(context.Background(), jm))
	driveUntil(t, r, ns, 4, "a fetch pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	pod := fetchPods(t, ns)[0]
	c := pod.Spec.Containers[0]
	assert.Equal(t, []string{"--upload-flink-config", "/opt/flink-fetch/session-config"}, c.Args[len(c.Args)-2:])
	assert.Contains(t, c.VolumeMounts, corev1.VolumeMount{Name: "session-config", MountPath: "/opt/flink-fetch/session-config", ReadOnly: true})
	assert.Contains(t, c.VolumeMounts, corev1.VolumeMount{Name: "session-rest-tls", MountPath: "/opt/flink/tls", ReadOnly: true}, "once, for both stores")
	assert.Len(t, c.VolumeMounts, 4, "jar, result, the configuration and the stores")
	volumes := map[string]corev1.VolumeSource{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v.VolumeSource
	}
	require.NotNil(t, volumes["session-config"].ConfigMap)
	assert.Equal(t, "flink-config-"+fd.Name, volumes["session-config"].ConfigMap.Name)
	require.NotNil(t, volumes["session-rest-tls"].Secret)
	assert.Equal(t, "flink-rest-cert", volumes["session-rest-tls"].Secret.SecretName)
}

// An operator run with --artifact-schemes https refuses an s3:// jar by
// itself too (the webhook may be off): Stalled, naming the flag, nothing
// sent and no pod made.
func TestArtifactSchemesRefuseAnS3Jar(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	s3Job(t, ns)
	r := podReconciler()
	r.ArtifactSchemes = []string{"https"}
	for range 3 {
		_, err := reconcileOnce(t, r, ns)
		require.NoError(t, err)
	}
	sj := getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "s3:// is not allowed by this operator (--artifact-schemes)")
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"))
	assert.Empty(t, fetchPods(t, ns))
	assert.Zero(t, restWrites(cluster))
}

// A pod of the fetch pod's name that is not the session job's is left
// alone, and the status says so; a fetch pod that cannot be scheduled
// says why.
func TestFetchPodNameTakenOrUnschedulable(t *testing.T) {
	ns := newNamespace(t)
	createSession(t, ns, readySession)
	s3Job(t, ns)
	r := podReconciler()
	driveUntil(t, r, ns, 4, "a fetch pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	pod := fetchPods(t, ns)[0]

	pod.Status.Phase = corev1.PodPending
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory."}}
	require.NoError(t, k8s.Status().Update(context.Background(), &pod))
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	assert.Contains(t, getSJ(t, ns).Status.Error, "is not scheduled: Unschedulable 0/3 nodes are available")

	// Another pod takes the name.
	require.NoError(t, k8s.Delete(context.Background(), &pod))
	stranger := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pod.Name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}}
	require.NoError(t, k8s.Create(context.Background(), stranger))
	_, err = reconcileOnce(t, r, ns)
	require.NoError(t, err)
	assert.Contains(t, getSJ(t, ns).Status.Error, "exists and does not belong to this FlinkSessionJob")
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKeyFromObject(stranger), &corev1.Pod{}), "left alone")
}

// A jar behind a token (an https repository manager that wants an
// Authorization header) names the Secret that holds it, as for s3: the
// operator never reads Secrets, so the jar is fetched by a pod whose
// environment the Secret is (FETCH_HTTP_HEADERS, read by flink-fetch).
// An operator without a fetcher image holds the submission rather than
// fetch without the credentials the user named.
func TestJarWithCredentialsIsFetchedInAPod(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(`  flinkConfiguration:
    `+sessionjob.CredentialsSecretKey+`: repository-token
`))
	r, _ := newReconciler(k8s, nil) // no --fetcher-image
	driveUntil(t, r, ns, 4, "held", func(sj *v1beta1.FlinkSessionJob) bool {
		return strings.Contains(sj.Status.Error, "names Secret repository-token, whose keys only a fetch pod gets")
	})
	assert.Zero(t, restWrites(cluster), "nothing fetched without the credentials, nothing sent")
	assert.Empty(t, fetchPods(t, ns))

	driveUntil(t, podReconciler(), ns, 4, "a fetch pod", func(*v1beta1.FlinkSessionJob) bool { return len(fetchPods(t, ns)) == 1 })
	c := fetchPods(t, ns)[0].Spec.Containers[0]
	assert.Equal(t, jarServer.URL+"/job.jar", c.Args[slices.Index(c.Args, "--uri")+1])
	assert.Contains(t, c.Args, "--allow-http", "the operator runs with --allow-http-artifacts, and the test's jar is http")
	require.Len(t, c.EnvFrom, 1)
	assert.Equal(t, "repository-token", c.EnvFrom[0].SecretRef.Name)
	assert.Zero(t, cluster.Counters().JarUploads, "the operator uploads nothing itself")
}
