package gate

import (
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Observation is what the operator saw of a running cluster in one pass.
type Observation struct {
	// JobManager is the state of the JobManager Deployment.
	JobManager v1beta1.JobManagerDeploymentStatus
	// JobManagerProblem explains ERROR.
	JobManagerProblem string
	// DeploymentGeneration is the annotation-free generation of the
	// JobManager Deployment, 0 when it does not exist.
	DeploymentGeneration int64
	// Job is the job the REST API reports; nil when unknown.
	Job *flinkrest.JobOverview
	// RESTURL is where the JobManager's REST API was looked for.
	RESTURL string
	// RESTError is set when the REST API should have answered but did not.
	RESTError error
	// JobManagerRan is what the Deployment and its pods show of whether a
	// JobManager ever ran.
	JobManagerRan Evidence
	// ForeignJobManager names (Kind/namespace/name) the JobManager
	// Deployment when this operator did not make it: it lacks the
	// app.kubernetes.io/managed-by label every rendered object carries.
	// Another operator (the Apache Flink Kubernetes Operator) runs the
	// cluster, and it is being adopted (adopt.go). Empty otherwise.
	ForeignJobManager string
}

// Evidence is what the cluster shows of a fact the operator cannot see
// directly.
type Evidence int

// Evidence values. Unknown is the zero value: without evidence either way
// the gate assumes the worst for the job's state.
const (
	EvidenceUnknown Evidence = iota
	EvidenceYes
	EvidenceNo
)
