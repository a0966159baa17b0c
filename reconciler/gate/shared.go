package gate

import "github.com/flinkops/flink-operator/schemas/v1beta1"

// What the FlinkSessionJob controller (reconciler/sessionjob) shares with
// the gate besides its tables: the savepoint history, so that a session
// job's savepoints are recorded as a FlinkDeployment's are.

// RecordSavepoint adds a completed savepoint to the status's history, as
// the gate records an upgrade's, and clears the trigger.
func RecordSavepoint(info *v1beta1.SavepointInfo, sp v1beta1.Savepoint) { recordSavepoint(info, sp) }
