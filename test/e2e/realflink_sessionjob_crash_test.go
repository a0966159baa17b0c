//go:build e2e && realflink

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRealSessionJobKilledBetweenUploadAndRun: the operator is killed
// (SIGKILL) after it uploaded the jar and sent the run, before it heard
// the answer; Flink got the run and started the job. The operator dials
// the JobManager through a proxy of the test that holds the first run
// until the operator is dead, then passes it on. The restarted operator
// must neither submit the job a second time nor lose its id: the session
// runs exactly one job, under the id recorded before the run was sent,
// and the uploaded jar is deleted once the job is recorded.
func TestRealSessionJobKilledBetweenUploadAndRun(t *testing.T) {
	jars := serveJar(t, testJobJar(t, sessionMinor))
	ns := newNamespace(t, "real-sessionjob-kill")
	const sess = "session"
	applyManifest(t, ns, session(ns, sess))
	waitReadyStable(t, ns, sess, false)

	// The dev cluster's JobManagers are all behind one address
	// (.../{{namespace}}/{{name}}), which the proxy forwards to.
	proxy := holdFirstRun(t, strings.TrimRight(restURL("", "", ""), "/"))
	restartOperator(t, "--allow-http-artifacts", "--rest-url-template", proxy.template)
	t.Cleanup(func() { restartOperator(t) })

	applyManifest(t, ns, sessionJob("orders", sess, jars.url, "--rate", "20"))
	var run heldRun
	select {
	case run = <-proxy.held:
	case <-time.After(deployTimeout):
		t.Fatalf("the operator sent no run within %s", deployTimeout)
	}
	// The id is recorded before the run is sent (write-ahead).
	sj, err := getSessionJob(context.Background(), ns, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if got := statusString(sj, "upgrade", "jobId"); got == "" || got != run.jobID {
		t.Fatalf("status.upgrade.jobId %q while the run of job %s is in flight, want it recorded before the run", got, run.jobID)
	}
	if statusString(sj, "jar", "id") == "" {
		t.Errorf("status.jar not recorded while the run of its jar is in flight")
	}

	env.operator.kill()
	if status := proxy.release(); status != http.StatusOK {
		t.Fatalf("Flink answered the held run with %d, want 200", status)
	}
	restartOperator(t, "--allow-http-artifacts")

	if got := runningSessionJob(t, ns, sess, "orders", deployTimeout); got != run.jobID {
		t.Errorf("the job runs as %s, want the id %s recorded before the crash", got, run.jobID)
	}
	eventually(t, deployTimeout, "one job on the session, and no jar left", func(context.Context) error {
		jobs, err := jobsOnSession(ns, sess)
		if err != nil {
			return err
		}
		if len(jobs) != 1 || jobs[run.jobID] != "RUNNING" {
			return permanent{fmt.Errorf("jobs on the session: %v, want only %s RUNNING", jobs, run.jobID)}
		}
		jars, err := jarsOnSession(ns, sess)
		if err != nil {
			return err
		}
		if len(jars) > 0 {
			return fmt.Errorf("jars on the session: %v", jars)
		}
		return nil
	})
	deleteSessionJob(t, ns, "orders")
	deleteAndVerify(t, ns, sess)
}

type heldRun struct {
	jobID string
}

// runHolder proxies the operator's REST calls to the JobManagers and
// holds the first POST /jars/:jarid/run until release.
type runHolder struct {
	template string
	held     chan heldRun
	release  func() int
}

func holdFirstRun(t *testing.T, upstream string) *runHolder {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &runHolder{
		template: "http://" + ln.Addr().String() + "/{{namespace}}/{{name}}",
		held:     make(chan heldRun, 1),
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var once sync.Once
	released := make(chan struct{})
	answered := make(chan int, 1)
	h.release = func() int {
		close(released)
		select {
		case code := <-answered:
			return code
		case <-time.After(time.Minute):
			return 0
		}
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isRun := r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/jars/") && strings.HasSuffix(r.URL.Path, "/run")
		first := false
		if isRun {
			once.Do(func() { first = true })
		}
		if !first {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			JobID string `json:"jobId"`
		}
		_ = json.Unmarshal(body, &req)
		h.held <- heldRun{jobID: req.JobID}
		<-released
		// The operator is dead; Flink gets the run all the same.
		fwd, err := http.NewRequestWithContext(context.Background(), http.MethodPost, target.String()+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			answered <- 0
			return
		}
		fwd.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		// A run compiles the job on the JobManager: seconds on two busy
		// cores.
		resp, err := (&http.Client{Timeout: time.Minute}).Do(fwd)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return h
}
