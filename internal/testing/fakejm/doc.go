// Package fakejm is a fake Flink JobManager REST server for tests.
//
// A Cluster simulates one JobManager of a given Flink version: it holds jobs,
// runs savepoint and stop-with-savepoint operations, answers checkpoint
// statistics and configuration (with the job's checkpoint retention, which
// decides what a cancel discards) and exception statistics, holds uploaded
// jars, lists them and runs jobs from them, and parses request bodies as
// the version's Flink does (from 1.20 unknown fields are ignored, and
// recorded by IgnoredFields; before, they are a 400), with the shapes
// recorded in shared/reference/flink-facts.md and the answers of real Flink
// in testdata/real. A Server puts several clusters behind
// path prefixes, and Serve/Start expose either on a real loopback listener so
// that connection-level faults (refused, dropped) are real too.
//
// Everything that would take time in Flink is driven by the test instead of
// a clock: operations complete after a configured number of status polls or
// when the test calls CompleteOperation, and cancellation completes after a
// configured number of job reads. Tests therefore never need to sleep.
//
// Where flink-facts.md is silent, the fake picks a plausible answer; those
// spots are marked "unverified" next to the code.
package fakejm
