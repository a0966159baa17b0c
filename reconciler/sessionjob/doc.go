// Package sessionjob is the FlinkSessionJob controller: it submits a job
// over REST to a session cluster (a FlinkDeployment without spec.job) and
// reports the job's state. It is experimental and off by default
// (flink-operator --session-jobs): first submission, observation,
// deletion and stateless upgrades work; savepoint and last-state upgrades,
// suspend, resume and savepoints do not yet, and such a spec change after
// submission is held with a Warning event instead
// (docs/design/sessionjob.md).
//
// Each pass observes, decides one step (Decide, a pure function) and
// carries it out. The job id is chosen and recorded in status.upgrade
// before anything is sent to the JobManager, the jar id is recorded as
// soon as the upload answers, and the run is never sent without first
// asking the JobManager whether the recorded id already exists, so a
// restarted operator never submits the job twice and never loses its id.
//
// Files: decide.go (the step table), controller.go (a pass, status
// writes, stale reads), session.go (the target session and its REST
// client), submit.go (the submission steps), upgrade.go (the stateless
// upgrade), observe.go (the job's state, held changes), finalize.go
// (deletion), conditions.go (Ready, Reconciling, Stalled and
// lifecycleState), jarfetch (the fetch with the fetcher's rules).
package sessionjob
