//go:build e2e && realflink

package e2e

import "testing"

// realFlink: these tests run against real Flink on the node agent
// (DEV_FLINK=real).
const realFlink = true

// timeScale stretches waits: a real JobManager and TaskManager take 10-20 s
// each to start on two busy cores, and a savepoint takes seconds.
const timeScale = 3

// restartOperator kills the operator with SIGKILL and starts it again on
// the same log (appended), with extra flags if given.
func restartOperator(t *testing.T, extra ...string) {
	t.Helper()
	env.operator.kill()
	p, err := startOperator(env.operatorBin, env.operator.logPath, extra...)
	if err != nil {
		t.Fatal(err)
	}
	env.operator = p
}
