//go:build e2e && realflink

package e2e

// realFlink: these tests run against real Flink on the node agent
// (DEV_FLINK=real).
const realFlink = true

// timeScale stretches waits: a real JobManager and TaskManager take 10-20 s
// each to start on two busy cores, and a savepoint takes seconds.
const timeScale = 3
