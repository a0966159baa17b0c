// Package sessionjob is the FlinkSessionJob controller: it submits a job
// over REST to a session cluster (a FlinkDeployment without spec.job) and
// reports the job's state. It is experimental and off by default
// (flink-operator --session-jobs): first submission, observation,
// deletion, stateless, savepoint and last-state upgrades, savepoint
// redeploys, restarts of a FAILED job from its latest checkpoint, suspend
// and resume work; manual and periodic savepoints do not yet, and such a
// spec change after submission is held with a Warning event instead
// (docs/design/sessionjob.md). A change is classified by the gate's rules
// for a FlinkDeployment's job (gate.ClassifySessionJob).
//
// Each pass observes, decides one step (Decide, a pure function) and
// carries it out. The job id is chosen and recorded in status.upgrade
// before anything is sent to the JobManager, the jar id is recorded as
// soon as the upload answers, and the run is never sent without first
// asking the JobManager whether the recorded id already exists, so a
// restarted operator never submits the job twice and never loses its id.
//
// Files: decide.go (the step table), controller.go (status writes, stale
// reads), pass.go (one pass: the facts and the step), session.go (the
// target session and its REST client), submit.go (the submission steps),
// upgrade.go (the stateless upgrade and the redeploy), savepoint.go (the
// savepoint upgrade, suspend and resume), lastcheckpoint.go (restores from
// the latest checkpoint), observe.go (the job's state, held changes,
// which change needs what), finalize.go
// (deletion), conditions.go (Ready, Reconciling, Stalled and
// lifecycleState), jarfetch (the fetch with the fetcher's rules).
package sessionjob
