//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FlinkSessionJob helpers of both phases: reading session jobs, waiting
// for their jobs, and what the session's JobManager reports of them.

var sessionJobGVK = schema.GroupVersionKind{Group: "flink.apache.org", Version: "v1beta1", Kind: "FlinkSessionJob"}

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
