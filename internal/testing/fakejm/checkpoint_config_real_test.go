package fakejm_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
)

// runsAsSpec are captured jar runs the fake cannot read from the run body,
// because they are the job's own code: the keyed counter's
// --checkpoint-interval 0 leaves the job without periodic checkpoints. The
// replay adds such a job with AddJob instead.
var runsAsSpec = map[string]fakejm.JobSpec{
	"jar-run-disabled": {CheckpointInterval: fakejm.PeriodicCheckpointsOff},
}

// TestFakeCheckpointConfigAnswersAsRealFlinkDid replays
// testdata/real/*/_checkpoint-config-requests.json (see the README's
// "Checkpoint configuration and cancellation") on a fake of the same
// version. It requires what TestFakeAnswersAsRealFlinkDid requires (status
// codes, JSON shapes, error texts with their "Caused by:" lines), and also
// the values restore decisions read: each configuration's mode,
// externalization and whether it has an interval, and whether the latest
// completed checkpoint is discarded, before and after the cancellation.
func TestFakeCheckpointConfigAnswersAsRealFlinkDid(t *testing.T) {
	lists, err := filepath.Glob("testdata/real/*/_checkpoint-config-requests.json")
	require.NoError(t, err)
	require.Len(t, lists, 3)
	for _, list := range lists {
		data, err := os.ReadFile(list)
		require.NoError(t, err)
		var capt capture
		require.NoError(t, json.Unmarshal(data, &capt))
		t.Run(capt.FlinkVersion, func(t *testing.T) { replayCheckpointConfig(t, filepath.Dir(list), capt) })
	}
}

func replayCheckpointConfig(t *testing.T, dir string, capt capture) {
	c, ep := fakejm.Start(t, fakeVersion(capt.FlinkVersion))
	r := raw{t: t, base: ep.URL}
	code, up := r.upload(map[string]string{"keyed-counter.jar": "PK"})
	require.Equal(t, http.StatusOK, code)
	fakeJar := up["filename"].(string)
	fakeJar = fakeJar[strings.LastIndex(fakeJar, "/")+1:]
	// Real ids (the jar's, each job's) stand for the fake's.
	ids := map[string]string{}
	mapIDs := func(s string) string {
		for realID, fakeID := range ids {
			s = strings.ReplaceAll(s, realID, fakeID)
		}
		return s
	}
	for _, req := range capt.Requests {
		name := fmt.Sprintf("%s %s (%s)", req.Method, req.Path, req.Name)
		want := readJSON(t, filepath.Join(dir, req.Name+".json"))
		if strings.HasPrefix(req.Path, "/jars/") {
			realJar := strings.Split(req.Path, "/")[2]
			ids[realJar] = fakeJar
		}
		path := mapIDs(req.Path)
		body := ""
		if len(req.Request) > 0 && string(req.Request) != "null" {
			body = mapIDs(string(req.Request))
		}
		var got map[string]any
		if spec, ok := runsAsSpec[req.Name]; ok {
			spec.Name = "keyed-counter"
			id, err := c.AddJob(spec)
			require.NoError(t, err)
			code, got = http.StatusOK, map[string]any{"jobid": id}
			if applicationID, ok := want["applicationId"]; ok {
				got["applicationId"] = applicationID
			}
		} else {
			code, got = r.do(req.Method, path, body)
		}
		require.Equal(t, req.Status, code, "%s: %v", name, got)
		if realID, ok := want["jobid"].(string); ok {
			ids[realID] = got["jobid"].(string)
			if _, asSpec := runsAsSpec[req.Name]; !asSpec && !strings.Contains(body, "BATCH") {
				// Real Flink had completed checkpoints by the next read.
				_, err := c.AddCheckpoint(got["jobid"].(string), fakejm.CheckpointSpec{})
				require.NoError(t, err)
			}
		}
		if req.Method == http.MethodPatch {
			// The capture polled until CANCELED before reading on.
			c.SettleJobs()
		}
		assert.Empty(t, shapeDiff(shapeOf(want), shapeOf(got)), "JSON shape of %s: - real Flink only, + fake only", name)
		assert.Equal(t, errorLines(want), errorLines(got), "error texts of %s", name)
		assert.Equal(t, restoreFacts(want), restoreFacts(got), "values of %s", name)
	}
}

// restoreFacts are the values of an answer that restore decisions read.
func restoreFacts(m map[string]any) map[string]any {
	out := map[string]any{}
	if ext, ok := m["externalization"]; ok {
		out["externalization"] = ext
		out["mode"] = m["mode"]
		// The captured jobs' intervals are their own code's; only
		// whether there is one is the fake's to get right.
		out["periodic"] = m["interval"] != float64(1<<63-1)
	}
	if completed, ok := nested(m, "latest", "completed").(map[string]any); ok {
		out["completed.discarded"] = completed["discarded"]
	}
	if restored, ok := nested(m, "latest", "restored").(map[string]any); ok {
		out["restored.is_savepoint"] = restored["is_savepoint"]
	}
	return out
}
