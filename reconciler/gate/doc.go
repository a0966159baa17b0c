// Package gate is the upgrade gate: a pure function (Decide) from what is
// known of a FlinkDeployment (its spec, its status, what the cluster and
// Flink showed) to the one next step, which the reconciler carries out.
// It never performs I/O, so its rules are tested as tables without an API
// server. Files by concern:
//
//   - gate.go: the input, the decision, and the dispatch on the recorded
//     upgrade phase;
//   - classify.go: what kind of change a spec edit is (ignore, scale,
//     upgrade, savepoint-redeploy);
//   - plan.go: starting an upgrade, suspend and resume;
//   - savepoint.go: the upgrade's stop-with-savepoint;
//   - rollout.go: taking the old cluster down and deploying the new one;
//   - recover.go: a lost JobManager Deployment, and pod templates changed
//     outside the operator;
//   - snapshots.go, snapshots_held.go: manual and periodic savepoints;
//   - statebackend.go: state backend changes;
//   - reconciled.go: the lastReconciledSpec record.
package gate
