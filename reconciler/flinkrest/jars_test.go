package flinkrest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

const sessionJobID = "4f2d6a0c8b1e4d3f9a7c5b2e1d0f3a6b"

// A session job's submission on every tested version: upload, run with the
// id chosen in advance, delete the jar; the same run again is a duplicate.
func TestUploadRunDeleteJar(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			jar := bytes.Repeat([]byte("PK\x03\x04 keyed counter "), 4096)
			jarID, err := e.client.UploadJar(ctx, "keyed-counter.jar", bytes.NewReader(jar))
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(jarID, "_keyed-counter.jar"), jarID)
			assert.NotContains(t, jarID, "/")
			require.Equal(t, []fakejm.Jar{{ID: jarID, Name: "keyed-counter.jar", Size: len(jar)}}, e.fake.Jars(), "the whole jar arrived")

			req := flinkrest.RunJarRequest{
				JobID: sessionJobID, EntryClass: "org.example.Counter", Args: []string{"--keys", "8"},
				Parallelism: 2, SavepointPath: "s3://bucket/savepoints/sp-1", AllowNonRestoredState: true,
			}
			got, err := e.client.RunJar(ctx, jarID, req)
			require.NoError(t, err)
			assert.Equal(t, sessionJobID, got)
			job, err := e.client.GetJob(ctx, sessionJobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobRunning, job.State)
			require.Len(t, job.Vertices, 1)
			assert.Equal(t, 2, job.Vertices[0].Parallelism)
			runs := e.fake.RequestsTo("POST /jars/:jarid/run")
			require.Len(t, runs, 1)
			assert.Equal(t, map[string]any{
				"jobId": sessionJobID, "entryClass": "org.example.Counter", "programArgsList": []any{"--keys", "8"},
				"parallelism": float64(2), "savepointPath": "s3://bucket/savepoints/sp-1", "allowNonRestoredState": true,
			}, decodeBody(t, runs[0].Body), "only the fields every version knows")

			// A run repeated after a crash: Flink refuses the duplicate
			// and no second job starts.
			_, err = e.client.RunJar(ctx, jarID, req)
			require.Error(t, err)
			assert.True(t, flinkrest.IsDuplicateJob(err), err.Error())
			assert.False(t, flinkrest.IsJarNotFound(err))
			assert.Equal(t, 1, e.fake.Counters().JarRuns)

			require.NoError(t, e.client.DeleteJar(ctx, jarID))
			assert.Empty(t, e.fake.Jars())
			err = e.client.DeleteJar(ctx, jarID)
			assert.True(t, flinkrest.IsJarNotFound(err), "deleted twice: %v", err)
			_, err = e.client.RunJar(ctx, jarID, flinkrest.RunJarRequest{JobID: strings.Repeat("a", 32)})
			assert.True(t, flinkrest.IsJarNotFound(err), "run of a deleted jar: %v", err)
			assert.False(t, flinkrest.IsDuplicateJob(err))
		})
	}
}

// The fields that arrived with later versions go out under the version's
// name, and a version that lacks one refuses the request before it is
// sent rather than dropping what was asked.
func TestRunJarVersionedFields(t *testing.T) {
	cases := []struct {
		version string
		mode    flinkrest.RestoreMode
		config  map[string]string
		want    map[string]any // the fields beyond jobId; nil: refused
	}{
		{"v1_13", flinkrest.RestoreModeClaim, nil, nil},
		{"v1_13", "", map[string]string{"pipeline.name": "x"}, nil},
		{"v1_15", flinkrest.RestoreModeClaim, nil, map[string]any{"restoreMode": "CLAIM"}},
		{"v1_16", "", map[string]string{"pipeline.name": "x"}, nil},
		{"v1_17", flinkrest.RestoreModeNoClaim, map[string]string{"pipeline.name": "x"},
			map[string]any{"restoreMode": "NO_CLAIM", "flinkConfiguration": map[string]any{"pipeline.name": "x"}}},
		{"v1_20", flinkrest.RestoreModeClaim, nil, map[string]any{"claimMode": "CLAIM"}},
		{"v2_3", flinkrest.RestoreModeNoClaim, map[string]string{"a": "b"},
			map[string]any{"claimMode": "NO_CLAIM", "flinkConfiguration": map[string]any{"a": "b"}}},
	}
	for _, tc := range cases {
		e := newEnv(t, tc.version)
		ctx := context.Background()
		jarID, err := e.client.UploadJar(ctx, "job.jar", strings.NewReader("jar"))
		require.NoError(t, err)
		_, err = e.client.RunJar(ctx, jarID, flinkrest.RunJarRequest{JobID: sessionJobID, RestoreMode: tc.mode, FlinkConfiguration: tc.config})
		if tc.want == nil {
			assert.ErrorIs(t, err, flinkrest.ErrUnsupported, tc.version)
			assert.Empty(t, e.fake.RequestsTo("POST /jars/:jarid/run"), "%s: nothing sent", tc.version)
			continue
		}
		require.NoError(t, err, tc.version)
		tc.want["jobId"] = sessionJobID
		assert.Equal(t, tc.want, decodeBody(t, e.fake.RequestsTo("POST /jars/:jarid/run")[0].Body), tc.version)
	}
}

func TestRunJarNeedsAJobIDChosenInAdvance(t *testing.T) {
	e := newEnv(t, "v1_20")
	for _, id := range []string{"", "4F2D6A0C8B1E4D3F9A7C5B2E1D0F3A6B", "1234"} {
		_, err := e.client.RunJar(context.Background(), "x_job.jar", flinkrest.RunJarRequest{JobID: id})
		require.Error(t, err, id)
		assert.Contains(t, err.Error(), "flink REST POST /jars/x_job.jar/run: jobId")
	}
	_, err := e.client.RunJar(context.Background(), "x_job.jar", flinkrest.RunJarRequest{JobID: sessionJobID, RestoreMode: "SOMETIMES"})
	assert.ErrorContains(t, err, `restore mode "SOMETIMES"`)
	_, err = e.client.RunJar(context.Background(), "x_job.jar", flinkrest.RunJarRequest{JobID: sessionJobID, Parallelism: -1})
	assert.ErrorContains(t, err, "parallelism -1")
	assert.Empty(t, e.fake.RequestsTo("POST /jars/:jarid/run"))
}

func TestUploadJarNames(t *testing.T) {
	e := newEnv(t, "v2_3")
	for _, name := range []string{"job.zip", ".jar", "../job.jar", `a"b.jar`, " job.jar", "jöb.jar", "job\n.jar"} {
		_, err := e.client.UploadJar(context.Background(), name, strings.NewReader("x"))
		assert.Error(t, err, name)
	}
	assert.Empty(t, e.fake.RequestsTo("POST /jars/upload"), "refused before sending")
}

// An upload is never retried: the reader is spent, and a second upload
// would leave a jar nobody records.
func TestUploadJarIsNotRetried(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "POST /jars/upload", Status: http.StatusServiceUnavailable, Times: 1})
	_, err := e.client.UploadJar(context.Background(), "job.jar", strings.NewReader("jar"))
	require.Error(t, err)
	assert.True(t, flinkrest.IsUnavailable(err))
	assert.Len(t, e.fake.RequestsTo("POST /jars/upload"), 1)
	assert.Empty(t, e.fake.Jars())
}

// A reader that fails ends the upload with its error, and the JobManager
// keeps no half jar.
func TestUploadJarReaderFails(t *testing.T) {
	e := newEnv(t, "v1_20")
	boom := errors.New("fetch broke off")
	_, err := e.client.UploadJar(context.Background(), "job.jar", io.MultiReader(strings.NewReader("PK"), errReader{boom}))
	require.Error(t, err)
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, e.fake.Jars())
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Flink's refusal of a non-jar upload reaches the caller typed.
func TestUploadJarRefusedByFlink(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "POST /jars/upload", Status: http.StatusBadRequest,
		Errors: []string{"org.apache.flink.runtime.rest.handler.RestHandlerException: Only Jar files are allowed.\n\tat x"}, Times: 1})
	_, err := e.client.UploadJar(context.Background(), "job.jar", strings.NewReader("jar"))
	require.Error(t, err)
	assert.True(t, flinkrest.IsBadRequest(err))
	assert.Equal(t, "flink REST POST /jars/upload: 400: org.apache.flink.runtime.rest.handler.RestHandlerException: Only Jar files are allowed.", err.Error())
}

// DeleteJar is retried like a read; a retry after a lost answer finds
// the jar gone, which IsJarNotFound tells the caller.
func TestDeleteJarRetries(t *testing.T) {
	e := newEnv(t, "v1_20")
	ctx := context.Background()
	jarID, err := e.client.UploadJar(ctx, "job.jar", strings.NewReader("jar"))
	require.NoError(t, err)
	e.fake.InjectFault(fakejm.Fault{Route: "DELETE /jars/:jarid", Status: http.StatusServiceUnavailable, Times: 1})
	require.NoError(t, e.client.DeleteJar(ctx, jarID))
	assert.Len(t, e.fake.RequestsTo("DELETE /jars/:jarid"), 2)

	jarID, err = e.client.UploadJar(ctx, "job.jar", strings.NewReader("jar"))
	require.NoError(t, err)
	e.fake.InjectFault(fakejm.Fault{Route: "DELETE /jars/:jarid", DropResponse: true, Times: 1})
	err = e.client.DeleteJar(ctx, jarID)
	assert.True(t, flinkrest.IsJarNotFound(err), "deleted, answer lost, retried: %v", err)
	assert.Empty(t, e.fake.Jars())
}

// ListJars names every jar the JobManager holds, newest first, with the
// name it was uploaded under and its manifest's entry class; a deleted
// jar is gone from the next list.
func TestListJars(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			now := time.UnixMilli(1796600050000)
			e := newEnv(t, v, fakejm.WithClock(func() time.Time { now = now.Add(time.Second); return now }))
			ctx := context.Background()
			jars, err := e.client.ListJars(ctx)
			require.NoError(t, err)
			assert.Empty(t, jars)

			first, err := e.client.UploadJar(ctx, "default_orders_1.jar", bytes.NewReader(manifestJar(t, "org.example.Counter")))
			require.NoError(t, err)
			second, err := e.client.UploadJar(ctx, "default_orders-2_3.jar", strings.NewReader("PK not a jar"))
			require.NoError(t, err)
			again, err := e.client.UploadJar(ctx, "default_orders_1.jar", bytes.NewReader(manifestJar(t, "org.example.Counter")))
			require.NoError(t, err)
			jars, err = e.client.ListJars(ctx)
			require.NoError(t, err)
			require.Len(t, jars, 3)
			assert.Equal(t, []string{again, second, first}, []string{jars[0].ID, jars[1].ID, jars[2].ID}, "newest first")
			assert.Equal(t, []string{"default_orders_1.jar", "default_orders-2_3.jar", "default_orders_1.jar"},
				[]string{jars[0].Name, jars[1].Name, jars[2].Name})
			assert.Equal(t, []string{"org.example.Counter"}, jars[0].EntryClasses)
			assert.Empty(t, jars[1].EntryClasses, "not a jar: no entry class")
			assert.Greater(t, jars[0].Uploaded, jars[1].Uploaded)
			assert.Greater(t, jars[1].Uploaded, jars[2].Uploaded)

			require.NoError(t, e.client.DeleteJar(ctx, second))
			jars, err = e.client.ListJars(ctx)
			require.NoError(t, err)
			require.Len(t, jars, 2)
			assert.Equal(t, []string{again, first}, []string{jars[0].ID, jars[1].ID})
		})
	}
}

// ListJars is retried like every read, and an error that outlasts the
// retries reaches the caller typed.
func TestListJarsRetries(t *testing.T) {
	e := newEnv(t, "v2_2")
	ctx := context.Background()
	e.fake.AddJar("job.jar", []byte("PK"))
	e.fake.InjectFault(fakejm.Fault{Route: "GET /jars", Status: http.StatusServiceUnavailable, Times: 1})
	jars, err := e.client.ListJars(ctx)
	require.NoError(t, err)
	assert.Len(t, jars, 1)
	assert.Len(t, e.fake.RequestsTo("GET /jars"), 2)

	e.fake.InjectFault(fakejm.Fault{Route: "GET /jars", Status: http.StatusServiceUnavailable, Times: 10})
	_, err = e.client.ListJars(ctx)
	require.Error(t, err)
	assert.True(t, flinkrest.IsUnavailable(err), err.Error())
}

// manifestJar is a jar whose manifest names mainClass.
func manifestJar(t *testing.T, mainClass string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	require.NoError(t, err)
	_, err = io.WriteString(w, "Manifest-Version: 1.0\r\nMain-Class: "+mainClass+"\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// TestRunJarWaitsLongerThanTheClientsTimeout: Flink answers a run only
// after it planned the job on the JobManager, which takes longer than a
// small JSON answer. A run is given its own timeout: one answered after
// the client's timeout still counts, and is not sent again.
func TestRunJarWaitsLongerThanTheClientsTimeout(t *testing.T) {
	var runs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		time.Sleep(300 * time.Millisecond) // planning the job
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jobid":"`+sessionJobID+`"}`)
	}))
	t.Cleanup(srv.Close)
	c := flinkrest.New(srv.URL, "v1_20", flinkrest.WithTimeout(50*time.Millisecond))
	got, err := c.RunJar(context.Background(), "x_job.jar", flinkrest.RunJarRequest{JobID: sessionJobID})
	require.NoError(t, err)
	assert.Equal(t, sessionJobID, got)
	assert.EqualValues(t, 1, runs.Load(), "sent once")
}
