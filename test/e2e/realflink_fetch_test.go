//go:build e2e && realflink

package e2e

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRealRemoteJarIsFetched: a job whose jarURI is remote. The operator's
// init container, the flink-fetch image (which the node agent serves as this
// checkout's cmd/flink-fetch), downloads the jar into usrlib before Flink
// starts, and the job runs from it. The jar is served over plain http from the test, on loopback, so the
// operator runs with --allow-http-artifacts for this scenario.
func TestRealRemoteJarIsFetched(t *testing.T) {
	jar := testJobJar(t, "1.20")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var fetched atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		http.ServeFile(w, r, jar)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	restartOperator(t, "--allow-http-artifacts")
	t.Cleanup(func() { restartOperator(t) })

	ns := newNamespace(t, "real-fetch")
	name := "counter"
	fd := keyedCounter(ns, name, "1.20", "savepoint")
	fd["spec"].(map[string]any)["job"].(map[string]any)["jarURI"] = "http://" + ln.Addr().String() + "/keyed-counter.jar"
	applyManifest(t, ns, fd)
	jobID := runningJob(t, ns, name)
	waitCounter(t, ns, name, jobID, 1)
	if fetched.Load() == 0 {
		t.Errorf("the jar server was never asked for the jar")
	}
	deleteAndVerify(t, ns, name)
}

// testJobJar is the test job built for a Flink minor, as the dev cluster
// builds it (both scripts reuse what the cache has).
func testJobJar(t *testing.T, minor string) string {
	t.Helper()
	run := func(args ...string) string {
		out, err := exec.Command(args[0], args[1:]...).Output()
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	dist := run(filepath.Join(repoRoot, "hack", "flink-dist.sh"), minor)
	jar := run(filepath.Join(repoRoot, "hack", "flink-testjob.sh"), filepath.Base(dist))
	if _, err := os.Stat(jar); err != nil {
		t.Fatal(err)
	}
	return jar
}
