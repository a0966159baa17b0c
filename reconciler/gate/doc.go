// Package gate is the upgrade gate: a pure function (Decide) from what is
// known of a FlinkDeployment (its spec, its status, what the cluster and
// Flink showed) to the one next step, which the reconciler carries out.
// It never performs I/O, so its rules are tested as tables without an API
// server.
//
// Decide dispatches on the phase the status records (first deploy,
// reconciled, savepointing, taking down, deploying) to one function per
// phase. A phase that completes within the decision returns the next one
// rather than calling it, so no phase runs inside another. Files by
// concern:
//
//   - gate.go: Decide and the dispatch on the phase;
//   - facts.go, observation.go: the input, and what the cluster showed;
//   - decision.go: the decision, an action with its own payload
//     (ApplyStep, TakeDownStep, SavepointStep), a status and events;
//   - classify.go: what kind of change a spec edit is (ignore, scale,
//     upgrade, savepoint-redeploy);
//   - classify_rendered.go: the render-based safety net that makes an
//     IGNORE or SCALE change reaching a pod an UPGRADE;
//   - plan.go: the first deploy, starting an upgrade, suspend and resume;
//   - strategy.go: the table of how a running job's state is kept;
//   - savepoint.go: the savepointing phase, an upgrade's stop-with-savepoint;
//   - outcome.go: reading a savepoint poll, for upgrades and snapshots alike;
//   - rollout.go: the taking-down and deploying phases;
//   - recover.go: a lost JobManager Deployment, and pod templates changed
//     outside the operator;
//   - adopt.go: taking over a cluster another operator made (the Apache
//     Flink Kubernetes Operator): what runs is recorded first, and nothing
//     is applied while the job cannot be seen;
//   - snapshots.go, snapshots_held.go: manual and periodic savepoints;
//   - statebackend.go: state backend changes.
//
// The lastReconciledSpec record's format is the API's
// (v1beta1.EncodeReconciledSpec).
package gate
