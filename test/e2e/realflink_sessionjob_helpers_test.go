//go:build e2e && realflink

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// sessionMinor is the Flink version of the session-job scenarios, the
// version TestRealSessionJarSubmission checked the REST calls on.
const sessionMinor = "2.2"

var sessionJobGVK = schema.GroupVersionKind{Group: "flink.apache.org", Version: "v1beta1", Kind: "FlinkSessionJob"}

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

func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Fatalf("this machine has no IPv4 address but loopback (%v): the operator refuses to fetch a session job's jar from loopback", addrs)
	return ""
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

func getSessionJob(ctx context.Context, ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(sessionJobGVK)
	return u, env.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
}

// runningSessionJob waits until the session job's status reports a job
// RUNNING other than any of not, with no upgrade in progress, and the
// session's JobManager agrees; it returns the job id.
func runningSessionJob(t *testing.T, ns, sessionName, name string, timeout time.Duration, not ...string) string {
	t.Helper()
	var jobID string
	eventually(t, timeout, "FlinkSessionJob "+name+" RUNNING", func(ctx context.Context) error {
		sj, err := getSessionJob(ctx, ns, name)
		if err != nil {
			return err
		}
		jobID = statusString(sj, "jobStatus", "jobId")
		state := statusString(sj, "jobStatus", "state")
		for _, old := range not {
			if jobID == old {
				return fmt.Errorf("still job %s (%s; status.error %q)", jobID, state, statusString(sj, "error"))
			}
		}
		if state != "RUNNING" || jobID == "" || statusString(sj, "upgrade", "phase") != "" {
			return fmt.Errorf("job %q %s, upgrade %q, status.error %q", jobID, state, statusString(sj, "upgrade", "phase"), statusString(sj, "error"))
		}
		if s, err := jobState(ns, sessionName, jobID); err != nil || s != "RUNNING" {
			return fmt.Errorf("the JobManager reports job %s %q (%v)", jobID, s, err)
		}
		return nil
	})
	return jobID
}

// restorePathOf is the restore path the session job's running job was
// submitted with (status.deployedWith.restorePath).
func restorePathOf(t *testing.T, ns, name string) string {
	t.Helper()
	sj, err := getSessionJob(context.Background(), ns, name)
	if err != nil {
		t.Fatal(err)
	}
	return statusString(sj, "deployedWith", "restorePath")
}

// jobsOnSession lists the jobs the session's JobManager knows, by id, with
// their states.
func jobsOnSession(ns, name string) (map[string]string, error) {
	var overview struct {
		Jobs []struct {
			ID    string `json:"jid"`
			State string `json:"state"`
		} `json:"jobs"`
	}
	if err := getJSON(restURL(ns, name, "/jobs/overview"), &overview); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, j := range overview.Jobs {
		out[j.ID] = j.State
	}
	return out, nil
}

// jarsOnSession lists the jars uploaded to the session's JobManager.
func jarsOnSession(ns, name string) ([]string, error) {
	var list struct {
		Files []struct {
			ID string `json:"id"`
		} `json:"files"`
	}
	if err := getJSON(restURL(ns, name, "/jars"), &list); err != nil {
		return nil, err
	}
	ids := make([]string, len(list.Files))
	for i, f := range list.Files {
		ids[i] = f.ID
	}
	return ids, nil
}

// deleteSessionJob deletes a FlinkSessionJob and waits until it is gone
// (its finalizer ended the job).
func deleteSessionJob(t *testing.T, ns, name string) {
	t.Helper()
	mustKubectl(t, "", "delete", "flinksessionjob", name, "-n", ns, "--wait=false")
	eventually(t, deleteTimeout, "FlinkSessionJob "+name+" deleted", func(ctx context.Context) error {
		if sj, err := getSessionJob(ctx, ns, name); err == nil {
			return fmt.Errorf("still there (status.error %q)", statusString(sj, "error"))
		} else if !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	})
}
