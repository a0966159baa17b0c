package sessionjob

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Jars on s3:// and gs:// are fetched by a pod, not by the operator, which
// links no cloud SDK (cmd/flink-operator TestOperatorDoesNotLinkTheFetcher).
// The pod runs the flink-fetch image (the operator's --fetcher-image, the
// one FlinkDeployments fetch their jars with) in the session job's
// namespace, with the session's service account (so workload identity
// applies to it as to the session's own pods) and, when the session job
// names one, a Secret's keys as its environment. It downloads the jar,
// uploads it to the session's JobManager itself, and leaves the jar id
// Flink answered as its termination message, which the operator records
// in status.jar as for a jar it uploaded.
//
// Crash safety: the pod is named after the submission's write-ahead job
// id, so an operator restarted at any point finds the same pod and reads
// its answer instead of starting a second upload. The jars named after
// this session job that status does not record are swept only before a
// pod is created, never while one may be uploading. A pod that uploaded
// but was deleted before its answer was read leaves such a jar, which the
// next pod's sweep deletes.

// CredentialsSecretKey in a FlinkSessionJob's flinkConfiguration names a
// Secret of its namespace whose keys become the environment of the pod
// that fetches an s3:// or gs:// jar (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3, AWS_S3_USE_PATH_STYLE, ...).
// This operator's key, in the reference's kubernetes.operator.user.artifacts
// family; like every kubernetes.operator.* key it is not sent to Flink.
const CredentialsSecretKey = flinkconf.KeyArtifactCredentialsSecret

// ReasonFetchJar is the event of a jar fetched in a pod.
const ReasonFetchJar = "FetchJar"

// Labels of a fetch pod, by which deletion finds it.
const (
	fetchPodComponent = "session-job-jar"
	// SessionJobLabel names the FlinkSessionJob a fetch pod works for.
	SessionJobLabel = "flink.apache.org/session-job"
)

const (
	fetchContainer = "fetch-jar"
	// The jar id is written into a volume rather than to the default
	// /dev/termination-log: the file is the container's own either way.
	resultDir  = "/var/run/flink-fetch"
	resultFile = resultDir + "/jar-id"
	jarDir     = "/tmp/jar"
	// fetchPodDeadline ends a pod that neither fetched nor failed
	// (a bucket that never answers); the next pass makes another.
	fetchPodDeadline = 10 * time.Minute
)

// fetchedInAPod reports whether the jar at uri is fetched by a pod: s3://
// and gs:// jars always (the operator links no cloud SDK), and any jar
// whose session job names a credentials Secret (spec, CredentialsSecretKey):
// the operator never reads Secrets, so an https jar behind a token
// (FETCH_HTTP_HEADERS in the Secret, as for FlinkDeployments' init
// containers) is fetched where the Secret is the pod's environment.
func fetchedInAPod(uri string, spec *v1beta1.FlinkSessionJobSpec) bool {
	scheme, _, _ := strings.Cut(uri, "://")
	scheme = strings.ToLower(scheme)
	return scheme == artifact.SchemeS3 || scheme == artifact.SchemeGCS || credentialsSecret(spec) != ""
}

// fetchPodName is the pod of the submission recorded under jobID.
func fetchPodName(sj *v1beta1.FlinkSessionJob, jobID string) string {
	base := sj.Name
	if len(base) > 40 {
		base = strings.TrimRight(base[:40], "-.")
	}
	if len(jobID) > 8 {
		jobID = jobID[:8]
	}
	return base + "-jar-" + jobID
}

// uploadThroughPod is the upload step for an s3:// or gs:// jar: it makes
// the pod, waits for it, and records the jar id it answered.
func (p *pass) uploadThroughPod(ctx context.Context, spec *v1beta1.FlinkSessionJobSpec, jar string) (ctrl.Result, error) {
	st := &p.sj.Status
	fd := p.session.fd
	key := client.ObjectKey{Namespace: p.sj.Namespace, Name: fetchPodName(p.sj, st.Upgrade.JobID)}
	pod := &corev1.Pod{}
	// Read from the API server: the operator caches JobManager pods only.
	err := p.r.APIReader.Get(ctx, key, pod)
	if apierrors.IsNotFound(err) {
		var access sessionTLSAccess
		if settings := flinkconf.Read(&fd.Spec).RESTTLS; settings.Enabled {
			if access, err = p.tlsAccess(ctx, settings); err != nil {
				return ctrl.Result{}, err
			}
			if access.why != "" {
				// Held as a scheme the operator cannot fetch is: a new
				// generation (an https jarURI, say) is submitted instead.
				st.Error = jarSchemeHeldPrefix + artifact.Redact(spec.Job.JarURI) + ": session " + fd.Name +
					" serves its REST API over TLS, and " + access.why + ", so the pod that fetches the jar could not upload it; " +
					"mount the Secret into the JobManager at that path (as Flink reads it there too), or use a presigned https URL of the object " +
					"(aws s3 presign, gcloud storage sign-url) as spec.job.jarURI. The job id is recorded and nothing was sent"
				return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
			}
		}
		return p.startFetchPod(ctx, spec, jar, key.Name, access)
	}
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("read Pod/%s/%s, which fetches spec.job.jarURI: %w", key.Namespace, key.Name, err)
	}
	if !metav1.IsControlledBy(pod, p.sj) {
		// Someone else's pod of that name: its answer is not ours to
		// record, nor is it ours to delete.
		st.Error = fmt.Sprintf("cannot fetch spec.job.jarURI: Pod/%s/%s exists and does not belong to this FlinkSessionJob; delete or rename it", key.Namespace, key.Name)
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		jarID := strings.TrimSpace(terminationMessage(pod))
		if !strings.HasSuffix(jarID, "_"+jar) {
			p.deleteFetchPod(ctx, pod)
			return ctrl.Result{}, p.ref().Errorf("Pod/%s/%s fetched spec.job.jarURI but answered %q, not the id of a jar named %s", key.Namespace, key.Name, jarID, jar)
		}
		if err := p.r.hook(HookUploaded); err != nil {
			return ctrl.Result{}, err
		}
		st.Jar = &v1beta1.UploadedJar{ID: jarID, URI: spec.Job.JarURI, Generation: st.Upgrade.TargetGeneration}
		st.Error = ""
		if err := p.persist(ctx); err != nil {
			// The pod keeps the answer for the next pass.
			return ctrl.Result{}, err
		}
		p.deleteFetchPod(ctx, pod)
		return ctrl.Result{Requeue: true}, nil
	case corev1.PodFailed:
		why := terminationMessage(pod)
		if why == "" {
			why = strings.TrimSpace(pod.Status.Reason + " " + pod.Status.Message)
		}
		p.deleteFetchPod(ctx, pod)
		// An error: the controller's back-off paces the next pod.
		return ctrl.Result{}, p.ref().Errorf("fetch spec.job.jarURI %s in Pod/%s/%s: %s", artifact.Redact(spec.Job.JarURI), key.Namespace, key.Name, orUnknown(why))
	}
	// Pending or running; a pod that cannot start says why.
	st.Error = ""
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			st.Error = fmt.Sprintf("fetching spec.job.jarURI in Pod/%s/%s, which is not scheduled: %s %s", key.Namespace, key.Name, c.Reason, c.Message)
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" {
			st.Error = fmt.Sprintf("fetching spec.job.jarURI in Pod/%s/%s, which waits: %s %s", key.Namespace, key.Name, w.Reason, w.Message)
		}
	}
	return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
}

// startFetchPod sweeps the jars an earlier pod may have left, then makes
// the pod.
func (p *pass) startFetchPod(ctx context.Context, spec *v1beta1.FlinkSessionJobSpec, jar, name string, access sessionTLSAccess) (ctrl.Result, error) {
	if err := p.fence(ctx); err != nil {
		return ctrl.Result{}, err
	}
	p.sweepJars(ctx, "")
	pod := p.fetchPod(spec, jar, name, access)
	if err := p.r.Client.Create(ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
		return ctrl.Result{}, p.ref().Errorf("create Pod/%s/%s to fetch spec.job.jarURI: %w", pod.Namespace, pod.Name, err)
	}
	p.r.event(p.sj, "Normal", ReasonFetchJar, fmt.Sprintf("fetching %s in Pod/%s/%s, which uploads it to session %s as %s",
		artifact.Redact(spec.Job.JarURI), pod.Namespace, pod.Name, p.session.fd.Name, jar))
	return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
}

// fetchPod is the pod that fetches spec's jar and uploads it as jar.
func (p *pass) fetchPod(spec *v1beta1.FlinkSessionJobSpec, jar, name string, access sessionTLSAccess) *corev1.Pod {
	fd := p.session.fd
	c := corev1.Container{
		Name:  fetchContainer,
		Image: p.r.FetcherImage,
		// Named, as for FlinkDeployments' init container: an image
		// without the fetcher fails to start instead of reading these
		// flags as its own.
		Command: []string{"/usr/local/bin/flink-fetch"},
		Args: append([]string{"--uri", p.fetchURI(spec.Job.JarURI), "--dest", jarDir, "--file", jar,
			"--upload-to", p.r.restURL(fd), "--flink-version", string(fd.Spec.FlinkVersion), "--result-file", resultFile}, access.args...),
		VolumeMounts: append([]corev1.VolumeMount{{Name: "jar", MountPath: jarDir}, {Name: "result", MountPath: resultDir}}, access.mounts...),
		// A download streams to disk, and an upload from it.
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
		// The Pod Security "restricted" profile, as the init container.
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To[int64](9999),
			RunAsGroup:               ptr.To[int64](9999),
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationMessagePath:   resultFile,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	if strings.HasPrefix(strings.ToLower(p.fetchURI(spec.Job.JarURI)), artifact.SchemeHTTP+"://") {
		// Validation let it through: the operator runs with
		// --allow-http-artifacts.
		c.Args = append(c.Args, "--allow-http")
	}
	if secret := credentialsSecret(spec); secret != "" {
		c.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: p.sj.Namespace,
			Labels: map[string]string{
				"app.kubernetes.io/managed-by": "flink-operator",
				"app.kubernetes.io/component":  fetchPodComponent,
				SessionJobLabel:                p.sj.Name,
			},
			// Deleted with its FlinkSessionJob.
			OwnerReferences: []metav1.OwnerReference{{APIVersion: v1beta1.GroupVersion.String(), Kind: Kind, Name: p.sj.Name, UID: p.sj.UID, Controller: ptr.To(true)}},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:         corev1.RestartPolicyNever,
			ActiveDeadlineSeconds: ptr.To(int64(fetchPodDeadline / time.Second)),
			// The session's: workload identity (IRSA, GKE) binds cloud
			// credentials to it. The pod needs no Kubernetes API token.
			ServiceAccountName:           fd.Spec.ServiceAccount,
			AutomountServiceAccountToken: ptr.To(false),
			Containers:                   []corev1.Container{c},
			Volumes: append([]corev1.Volume{
				{Name: "jar", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "result", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
			}, access.volumes...),
		},
	}
}

// credentialsSecret is CredentialsSecretKey of the session job's own
// configuration, "" when not set (validation checks the name).
func credentialsSecret(spec *v1beta1.FlinkSessionJobSpec) string {
	entries, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if e.Key == CredentialsSecretKey {
			return strings.TrimSpace(e.String())
		}
	}
	return ""
}

// terminationMessage is what the pod's fetch container left.
func terminationMessage(pod *corev1.Pod) string {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == fetchContainer && cs.State.Terminated != nil {
			return strings.TrimSpace(cs.State.Terminated.Message)
		}
	}
	return ""
}

// deleteFetchPod deletes a pod whose answer is read (or that failed); a
// pod left over is deleted with its FlinkSessionJob.
func (p *pass) deleteFetchPod(ctx context.Context, pod *corev1.Pod) {
	if err := p.r.Client.Delete(ctx, pod); err != nil && !apierrors.IsNotFound(err) {
		p.r.event(p.sj, "Warning", ReasonFetchJar, fmt.Sprintf("delete Pod/%s/%s, which fetched spec.job.jarURI: %v; it goes with the FlinkSessionJob", pod.Namespace, pod.Name, err))
	}
}

// endFetchPods deletes the session job's fetch pods before its finalizer
// sweeps its jars, and waits until they are gone: a pod still uploading
// after the sweep would leave a jar nothing deletes. It returns what it
// waits for.
func (p *pass) endFetchPods(ctx context.Context) (string, error) {
	pods := &corev1.PodList{}
	if err := p.r.APIReader.List(ctx, pods, client.InNamespace(p.sj.Namespace), client.MatchingLabels{SessionJobLabel: p.sj.Name}); err != nil {
		return "", p.ref().Errorf("list the pods that fetch its jar: %w", err)
	}
	var left []string
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !metav1.IsControlledBy(pod, p.sj) {
			continue
		}
		if pod.DeletionTimestamp.IsZero() {
			p.deleteFetchPod(ctx, pod)
		}
		left = append(left, pod.Name)
	}
	if len(left) == 0 {
		return "", nil
	}
	return "waiting for Pods " + strings.Join(left, ", ") + ", which fetch its jar, to end before its jars are deleted", nil
}
