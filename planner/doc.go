// Package planner says, before a change is merged, what the operator will
// do with it: for each FlinkDeployment, the change class and how the job's
// state is kept, as the upgrade gate (reconciler/gate) decides it, and how
// the rendered Kubernetes objects change. flink-render plan prints it.
// For each FlinkSessionJob it says the same with the session-job
// controller's rules (submission.SpecChange), and flink-render prints the
// job submission the operator makes for one (Submission).
//
// The class is never worked out here: the planner builds the gate.Input
// the operator would have for a job running the base version (or, for a
// live object, the one its status records), calls gate.Decide with the
// head version, and reads the decision. Only the observation of the
// cluster is assumed, and every assumption is reported.
//
// Files by concern:
//   - plan.go: the plan, its stable JSON form and the restart summary;
//   - input.go: the gate.Input of a deployed FlinkDeployment, from a file
//     or from a live object's status;
//   - classify.go: reading the class out of a gate decision;
//   - resource.go: planning one FlinkDeployment;
//   - objects.go: the unified diff of the rendered objects;
//   - sessionjob.go: a FlinkSessionJob's submission and the plan of its
//     change;
//   - load.go: reading FlinkDeployments and FlinkSessionJobs from files,
//     by namespace/name;
//   - text.go: the plan as text.
package planner
