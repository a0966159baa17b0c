package gate

import (
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A job's state moves to another state backend only through a CANONICAL
// savepoint: NATIVE savepoints and checkpoints (which is what last-state
// and Kubernetes HA restore from) can be restored only by the backend that
// wrote them, and a restore by another one fails the new job. So when an
// upgrade changes state.backend.type the gate stops the job with a
// CANONICAL savepoint whatever the configured format and upgrade mode, and
// holds, saying why, rather than restore the job from a checkpoint.

// stateBackendChange returns the deployed and the desired state backend and
// whether they differ.
func (g *gate) stateBackendChange() (from, to string, changed bool) {
	if g.in.Deployed == nil || g.in.Spec == nil {
		return "", "", false
	}
	from, to = configOf(g.in.Deployed).StateBackend, configOf(g.in.Spec).StateBackend
	return from, to, from != to
}

// upgradeSavepointDir is where an upgrade's or suspend's stop-with-savepoint
// writes: the running job's savepoint directory, else the new spec's.
// Validation (validateStateMigration) requires one of them when a
// last-state upgrade is made through a savepoint, so a user can add the
// directory in the same edit that changes the version or the backend.
func (g *gate) upgradeSavepointDir() string {
	if g.in.Deployed != nil {
		if dir := configOf(g.in.Deployed).SavepointDir.Dir; dir != "" {
			return dir
		}
	}
	if g.in.Spec != nil {
		return configOf(g.in.Spec).SavepointDir.Dir
	}
	return ""
}

// upgradeSavepointFormat is the format of an upgrade's or suspend's
// stop-with-savepoint: the deployed spec's, but CANONICAL when the state
// backend changes.
func (g *gate) upgradeSavepointFormat() flinkrest.SavepointFormat {
	if _, _, changed := g.stateBackendChange(); changed {
		return flinkrest.SavepointFormatCanonical
	}
	return g.savepointFormat()
}

// savepointFormatOf is the format status records for the savepoint at
// location, "unknown" when it records none (a savepoint taken before
// formats were recorded, or one outside the recorded history).
func savepointFormatOf(st *v1beta1.FlinkDeploymentStatus, location string) string {
	if info := st.JobStatus.SavepointInfo; info != nil {
		if info.LastSavepoint != nil && info.LastSavepoint.Location == location && info.LastSavepoint.FormatType != "" {
			return info.LastSavepoint.FormatType
		}
		for _, sp := range info.SavepointHistory {
			if sp.Location == location && sp.FormatType != "" {
				return sp.FormatType
			}
		}
	}
	return "unknown"
}
