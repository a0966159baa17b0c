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
	// RESTURL is where the JobManager's REST API is looked for: the
	// operator's --rest-url-template for this FlinkDeployment.
	RESTURL string
	// RESTDialled is the URL the REST client dialled, when it differs
	// from RESTURL: its https form for a JobManager deployed to serve
	// REST over TLS. Messages name it, since that is the address whose
	// certificate and port the user has to check.
	RESTDialled string
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

// RESTAddress is the URL to name in messages about the REST API: the one
// dialled when known.
func (o Observation) RESTAddress() string {
	if o.RESTDialled != "" {
		return o.RESTDialled
	}
	return o.RESTURL
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

// ObserveSavepoint reads the answer to a poll of a savepoint's trigger
// (GET /jobs/:jobid/savepoints/:triggerid): a trigger Flink does not know
// (404) is SavepointUnknown; any other error is the zero observation, an
// answer not had, on which nothing is decided.
func ObserveSavepoint(s *flinkrest.SavepointStatus, err error) SavepointObservation {
	switch {
	case flinkrest.IsNotFound(err):
		return SavepointObservation{State: SavepointUnknown}
	case err != nil:
		return SavepointObservation{}
	case s.Succeeded():
		return SavepointObservation{State: SavepointSucceeded, Location: s.Location}
	case s.Completed():
		cause := "no location reported"
		if s.FailureCause != nil {
			cause = s.FailureCause.Summary()
		}
		return SavepointObservation{State: SavepointFailed, Failure: cause}
	}
	return SavepointObservation{State: SavepointInProgress}
}
