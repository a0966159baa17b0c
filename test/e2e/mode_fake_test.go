//go:build e2e && !realflink

package e2e

// realFlink: these tests run against the fake JobManager (DEV_FLINK=fake).
const realFlink = false

// timeScale stretches waits: the fake JobManager answers at once.
const timeScale = 1
