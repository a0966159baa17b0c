//go:build e2e && realflink

package e2e

import (
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// sessionMinor is the Flink version of the session-job scenarios, the
// version TestRealSessionJarSubmission checked the REST calls on.
const sessionMinor = "2.2"

// jarServer serves the test job's jar over plain http on an address of
// this machine that is not loopback: the operator fetches session-job jars
// itself and refuses loopback, which would be its own pod in a cluster
// (package httpfetch). It runs with --allow-http-artifacts for these
// scenarios.
type jarServer struct {
	url     string
	fetches atomic.Int32
}

func serveJar(t *testing.T, jar string) *jarServer {
	t.Helper()
	host := nonLoopbackIPv4(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	s := &jarServer{url: "http://" + ln.Addr().String() + "/keyed-counter.jar"}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		http.ServeFile(w, r, jar)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// sessionServingJars is the start of a session-job scenario: the test
// job's jar served over http (the operator runs with
// --allow-http-artifacts for the test), and a READY session named sess in
// a namespace of its own. It returns the session's manifest, for edits.
func sessionServingJars(t *testing.T, scenario, sess string) (ns string, jars *jarServer, fd map[string]any) {
	t.Helper()
	jars = serveJar(t, testJobJar(t, sessionMinor))
	restartOperator(t, "--allow-http-artifacts")
	t.Cleanup(func() { restartOperator(t) })
	ns = newNamespace(t, scenario)
	fd = session(ns, sess)
	applyManifest(t, ns, fd)
	waitReadyStable(t, ns, sess, false)
	return ns, jars, fd
}

// session is a session FlinkDeployment of the test job's settings
// (keyedCounter without spec.job): checkpoints every 5 s, savepoints and
// checkpoints in the node's /flink-data/<namespace>.
func session(ns, name string) map[string]any {
	fd := keyedCounter(ns, name, sessionMinor, "savepoint")
	delete(fd["spec"].(map[string]any), "job")
	return fd
}

// sessionJob is a FlinkSessionJob of the test job on session, with
// upgradeMode savepoint. It carries the run's label only so that the run's
// clean-up finds it; the operator follows the session's labels.
func sessionJob(name, session, jarURL string, args ...string) map[string]any {
	argList := make([]any, len(args))
	for i, a := range args {
		argList[i] = a
	}
	return map[string]any{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkSessionJob",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{runLabel: env.runID}},
		"spec": map[string]any{
			"deploymentName": session,
			"job": map[string]any{
				"jarURI":      jarURL,
				"parallelism": 1,
				"upgradeMode": "savepoint",
				"args":        argList,
			},
		},
	}
}
