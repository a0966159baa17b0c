//go:build e2e

package e2e

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

var httpClient = &http.Client{Timeout: 5 * time.Second}

func getURL(url string) (string, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return string(body), nil
}

func getJSON(url string, into any) error {
	body, err := getURL(url)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(body), into); err != nil {
		return fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return nil
}

// restURL is a path of the cluster's Flink REST API, where the operator
// reaches it too (--rest-url-template): the fake JobManager, or the node
// agent's way in to a real one.
func restURL(ns, name, path string) string {
	base := strings.NewReplacer("{{namespace}}", ns, "{{name}}", name).Replace(env.restTemplate)
	return base + path
}

// restoreInfo is latest.restored of GET /jobs/:jobid/checkpoints: how
// Flink reports where a job's state came from.
type restoreInfo struct {
	ID           int64  `json:"id"`
	IsSavepoint  bool   `json:"is_savepoint"`
	ExternalPath string `json:"external_path"`
}

// restoredFrom asks the JobManager's REST API where the job restored from;
// nil when it started without state.
func restoredFrom(ns, name, jobID string) (*restoreInfo, error) {
	var stats struct {
		Latest struct {
			Restored *restoreInfo `json:"restored"`
		} `json:"latest"`
	}
	if err := getJSON(restURL(ns, name, "/jobs/"+jobID+"/checkpoints"), &stats); err != nil {
		return nil, err
	}
	return stats.Latest.Restored, nil
}

// latestCheckpoint is latest.completed of the job's checkpoint statistics.
func latestCheckpoint(ns, name, jobID string) (id int64, path string, err error) {
	var stats struct {
		Latest struct {
			Completed *struct {
				ID           int64  `json:"id"`
				ExternalPath string `json:"external_path"`
			} `json:"completed"`
		} `json:"latest"`
	}
	if err := getJSON(restURL(ns, name, "/jobs/"+jobID+"/checkpoints"), &stats); err != nil {
		return 0, "", err
	}
	if stats.Latest.Completed == nil {
		return 0, "", fmt.Errorf("job %s of %s/%s has no completed checkpoint yet", jobID, ns, name)
	}
	return stats.Latest.Completed.ID, stats.Latest.Completed.ExternalPath, nil
}

// flinkVersion is the version the JobManager's REST API reports.
func flinkVersion(ns, name string) (string, error) {
	var cfg struct {
		Version string `json:"flink-version"`
	}
	err := getJSON(restURL(ns, name, "/config"), &cfg)
	return cfg.Version, err
}

// jobState is the job's state as the JobManager reports it.
func jobState(ns, name, jobID string) (string, error) {
	var job struct {
		State string `json:"state"`
	}
	err := getJSON(restURL(ns, name, "/jobs/"+jobID), &job)
	return job.State, err
}

// savepointInStatus is the savepoint an upgrade or suspension recorded:
// status.jobStatus.upgradeSavepointPath, else the legacy
// status.jobStatus.savepointInfo.lastSavepoint.location.
func savepointInStatus(fd *unstructured.Unstructured) string {
	if p := statusString(fd, "jobStatus", "upgradeSavepointPath"); p != "" {
		return p
	}
	return statusString(fd, "jobStatus", "savepointInfo", "lastSavepoint", "location")
}

// checkRestoredFromSavepoint asks the JobManager's REST API where the job
// restored from, as Flink reports it: latest.restored of its checkpoint
// statistics.
func checkRestoredFromSavepoint(t *testing.T, ns, name, jobID, savepoint string) {
	t.Helper()
	restored, err := restoredFrom(ns, name, jobID)
	switch {
	case err != nil:
		t.Fatal(err)
	case restored == nil:
		t.Errorf("job %s started without state (latest.restored is null), want it restored from %s", jobID, savepoint)
	case restored.ExternalPath != savepoint || !restored.IsSavepoint:
		t.Errorf("job %s restored from %+v, want savepoint %s", jobID, *restored, savepoint)
	}
}
