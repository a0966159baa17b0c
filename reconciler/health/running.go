package health

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// runningCondition is the reference operator's single Running condition
// (apache-operator.md §1.6). It describes the cluster that runs, so its
// observedGeneration is the generation deployed (status.observedGeneration)
// rather than the newest one.
func runningCondition(fd *v1beta1.FlinkDeployment) metav1.Condition {
	st := &fd.Status
	c := metav1.Condition{Type: Running, ObservedGeneration: st.ObservedGeneration}
	if c.ObservedGeneration == 0 {
		c.ObservedGeneration = fd.Generation
	}
	if fd.IsApplication() {
		state := st.JobStatus.State
		if state == "" {
			state = "RECONCILING"
		}
		c.Reason = camel(state)
		c.Message = "Job state: " + state
		c.Status = metav1.ConditionFalse
		if state == "RUNNING" {
			c.Status = metav1.ConditionTrue
		}
		return c
	}
	c.Status = metav1.ConditionFalse
	switch st.JobManagerDeploymentStatus {
	case v1beta1.JMReady:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, "JobManagerReady", "JobManager is running and ready to receive REST API calls"
	case v1beta1.JMDeployedNotReady:
		c.Reason, c.Message = "DeployedNotReady", "JobManager is running but not ready yet to receive REST API calls"
	case v1beta1.JMDeploying:
		c.Reason, c.Message = "JobManagerIsDeploying", "JobManager process is starting up"
	case v1beta1.JMError:
		c.Reason, c.Message = "Error", "JobManager deployment failed"
	default:
		c.Reason, c.Message = "JobManagerDeploymentMissing", "JobManager deployment not found"
	}
	return c
}

// camel turns RUNNING into Running and CANCELLING into Cancelling.
func camel(s string) string {
	if s == "" {
		return s
	}
	return s[:1] + strings.ToLower(s[1:])
}
