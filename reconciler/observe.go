package reconciler

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// waitingFailures are container states that will not heal by waiting
// (reference operator, DeploymentFailedException).
var waitingFailures = map[string]bool{
	"CrashLoopBackOff": true, "ImagePullBackOff": true, "ErrImagePull": true,
	"RunContainerError": true, "CreateContainerConfigError": true, "OOMKilled": true,
	"InvalidImageName": true,
}

// observe reads the JobManager Deployment and pods from the cache and, when
// the JobManager is available, asks its REST API about the job.
func (r *Reconciler) observe(ctx context.Context, fd *v1beta1.FlinkDeployment) (gate.Observation, error) {
	obs := gate.Observation{JobManager: v1beta1.JMMissing, RESTURL: RESTURL(r.RESTURLTemplate, fd.Namespace, fd.Name)}
	dep, err := r.jobManagerDeployment(ctx, fd)
	switch {
	case err != nil:
		return obs, err
	case dep == nil:
		return obs, nil
	}
	if dep.Labels[labelManagedBy] != managedByOperator {
		obs.ForeignJobManager = objref.Of("Deployment", dep).String()
	}
	obs.DeploymentGeneration = dep.Generation
	if dep.Status.AvailableReplicas > 0 || everAvailable(dep) {
		obs.JobManagerRan = gate.EvidenceYes
	}
	if problem := deploymentProblem(dep); problem != "" {
		obs.JobManager, obs.JobManagerProblem = v1beta1.JMError, problem
		return obs, r.observePods(ctx, fd, &obs)
	}
	if dep.Status.AvailableReplicas < 1 || dep.Status.ObservedGeneration < dep.Generation {
		obs.JobManager = v1beta1.JMDeploying
		return obs, r.observePods(ctx, fd, &obs)
	}
	// Available pods are not yet a JobManager: READY means its REST API answers.
	obs.JobManager = v1beta1.JMDeployedNotReady
	// The running JobManager serves REST as the spec it was deployed with
	// says; an unreadable record falls back to the current spec.
	deployed, _ := lastReconciledSpec(&fd.Status)
	rest := r.restClient(fd, deployed, obs.RESTURL)
	if u := rest.BaseURL(); u != obs.RESTURL {
		obs.RESTDialled = u
	}
	if fd.IsApplication() {
		jobs, err := rest.ListJobs(ctx)
		if err != nil {
			obs.RESTError = err
			return obs, nil
		}
		obs.Job = pickJob(jobs, fd.Status.JobStatus.JobID)
	} else if _, err := rest.GetConfig(ctx); err != nil {
		obs.RESTError = err
		return obs, nil
	}
	obs.JobManager = v1beta1.JMReady
	return obs, nil
}

// jobManagerDeployment reads the JobManager Deployment, nil when there is
// none. The cache holds only Deployments this operator labelled, so one it
// does not hold is looked for on the API server: another operator (the
// Apache Flink Kubernetes Operator) may have made it, and a cluster being
// adopted must be seen, or it would be taken for lost (adopt.go). It is
// looked for while this operator has never deployed the cluster (no
// status.deployedWith), and while the last pass still saw a JobManager
// (an adopted Deployment keeps the other operator's labels until the
// upgrade that replaces it). A cluster last seen MISSING (suspended, lost,
// taken down) is not: a suspended fleet makes no API request on a resync.
func (r *Reconciler) jobManagerDeployment(ctx context.Context, fd *v1beta1.FlinkDeployment) (*appsv1.Deployment, error) {
	key := client.ObjectKey{Namespace: fd.Namespace, Name: fd.Name}
	dep := &appsv1.Deployment{}
	err := r.Client.Get(ctx, key, dep)
	lastSeen := fd.Status.JobManagerDeploymentStatus
	if apierrors.IsNotFound(err) && (fd.Status.DeployedWith == nil || (lastSeen != "" && lastSeen != v1beta1.JMMissing)) {
		err = r.APIReader.Get(ctx, key, dep)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, objref.Of("Deployment", fd).Errorf("get: %w", err)
	}
	return dep, nil
}

func deploymentProblem(dep *appsv1.Deployment) string {
	for _, c := range dep.Status.Conditions {
		if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
			return fmt.Sprintf("%s: %s", c.Reason, c.Message)
		}
	}
	return ""
}

// everAvailable: the Deployment's rollout completed once, so its pods were
// available at some time. The Deployment controller keeps this reason on
// the Progressing condition after the pods go away again.
func everAvailable(dep *appsv1.Deployment) bool {
	for _, c := range dep.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "NewReplicaSetAvailable" {
			return true
		}
	}
	return false
}

// observePods looks at the JobManager pods of a Deployment that is not
// available: a container failing for good makes the JobManager ERROR, and
// whether any JobManager container ever ran is recorded as evidence.
func (r *Reconciler) observePods(ctx context.Context, fd *v1beta1.FlinkDeployment, obs *gate.Observation) error {
	pods := &corev1.PodList{}
	if err := r.Client.List(ctx, pods, client.InNamespace(fd.Namespace),
		client.MatchingLabels{labelApp: fd.Name, labelComponent: "jobmanager"}); err != nil {
		return objref.Of("FlinkDeployment", fd).Errorf("list JobManager pods: %w", err)
	}
	if problem := podProblem(pods.Items); problem != "" {
		obs.JobManager, obs.JobManagerProblem = v1beta1.JMError, problem
	}
	if obs.JobManagerRan == gate.EvidenceUnknown {
		obs.JobManagerRan = jobManagerRan(pods.Items)
	}
	return nil
}

// podProblem finds a JobManager container that is failing for good.
func podProblem(pods []corev1.Pod) string {
	for _, pod := range pods {
		statuses := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
		for _, cs := range statuses {
			if w := cs.State.Waiting; w != nil && waitingFailures[w.Reason] {
				return fmt.Sprintf("pod %s container %s: %s: %s", pod.Name, cs.Name, w.Reason, w.Message)
			}
			if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == "OOMKilled" {
				return fmt.Sprintf("pod %s container %s: OOMKilled", pod.Name, cs.Name)
			}
		}
	}
	return ""
}

// jobManagerRan tells from the pods of a Deployment that was never
// available whether a JobManager container ever ran. "No" needs pods that
// all report their containers and none that started, restarted or ended:
// with no pod at all (deleted, not created yet) nothing is known.
func jobManagerRan(pods []corev1.Pod) gate.Evidence {
	if len(pods) == 0 {
		return gate.EvidenceUnknown
	}
	for _, pod := range pods {
		if len(pod.Status.ContainerStatuses) == 0 && pod.Status.Phase != corev1.PodPending {
			return gate.EvidenceUnknown
		}
		for _, cs := range pod.Status.ContainerStatuses {
			if cs.State.Running != nil || cs.State.Terminated != nil || cs.LastTerminationState.Terminated != nil ||
				cs.RestartCount > 0 || (cs.Started != nil && *cs.Started) {
				return gate.EvidenceYes
			}
		}
	}
	return gate.EvidenceNo
}

// pickJob returns the job the status already follows, else the newest.
func pickJob(jobs []flinkrest.JobOverview, known string) *flinkrest.JobOverview {
	if len(jobs) == 0 {
		return nil
	}
	for i := range jobs {
		if jobs[i].ID == known {
			return &jobs[i]
		}
	}
	sorted := append([]flinkrest.JobOverview(nil), jobs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].StartTime > sorted[j].StartTime })
	return &sorted[0]
}
