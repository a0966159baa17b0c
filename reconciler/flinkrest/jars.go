package flinkrest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// uploadTimeout bounds one jar upload instead of the client's timeout,
// which is sized for small JSON answers: a jar within the fetcher's size
// limit crosses a cluster network well within it.
const uploadTimeout = 5 * time.Minute

// DefaultRunTimeout bounds one jar run instead of the client's timeout
// (WithRunTimeout): Flink runs the job's main() on the JobManager to build
// its job graph before it answers, seconds for a small job and far longer
// for a large SQL job. Cut off at the client's few seconds, every pass
// would send the run again while the first still plans (safe, since the
// job id is fixed, but each attempt plans the job once more on the
// JobManager).
const DefaultRunTimeout = 2 * time.Minute

// UploadJar sends POST /jars/upload: the jar read from content, as one
// multipart/form-data part named name (which must end in .jar, as Flink
// requires), and returns the jar id Flink gave it, the name /jars/:jarid
// takes (<uuid>_<name>). It is never retried: a lost answer leaves a jar
// the caller cannot name, and a second upload would leave two. Record the
// id as soon as it returns, and delete the jar with DeleteJar once no run
// needs it.
func (c *Client) UploadJar(ctx context.Context, name string, content io.Reader) (string, error) {
	const p = "/jars/upload"
	if err := jarFileName(name); err != nil {
		return "", fmt.Errorf("flink REST POST %s: %w", p, err)
	}
	var out struct {
		Filename string `json:"filename"`
		Status   string `json:"status"`
	}
	cl := call{method: http.MethodPost, path: p, timeout: uploadTimeout,
		upload: &upload{field: "jarfile", filename: name, mime: "application/x-java-archive", content: content}}
	if err := c.do(ctx, cl, &out); err != nil {
		return "", err
	}
	// The answer names the stored file by its path on the JobManager; its
	// base name is the jar id (the reference operator reads it the same
	// way). "success" is the only status Flink defines.
	id := path.Base(strings.ReplaceAll(out.Filename, "\\", "/"))
	if out.Status != "success" || out.Filename == "" || id == "." || id == "/" {
		return "", fmt.Errorf("flink REST POST %s: unexpected answer: status %q, filename %q", p, out.Status, out.Filename)
	}
	return id, nil
}

// RestoreMode is how a job owns the snapshot it restores from
// (RecoveryClaimMode; restoreMode in the run request before 1.20,
// claimMode from 1.20).
type RestoreMode string

// RestoreMode values.
const (
	RestoreModeClaim   RestoreMode = "CLAIM"
	RestoreModeNoClaim RestoreMode = "NO_CLAIM"
	// RestoreModeLegacy is deprecated since Flink 1.19.
	RestoreModeLegacy RestoreMode = "LEGACY"
)

// RunJarRequest is the body of POST /jars/:jarid/run.
type RunJarRequest struct {
	// JobID is the id the job gets, chosen by the caller and recorded
	// before the call (32 lower-case hex characters). It is required: with
	// it, a repeated run is refused as a duplicate (IsDuplicateJob)
	// instead of starting the job twice. Every supported version takes it
	// (Flink 1.8+, FLINK-11544).
	JobID string
	// EntryClass is the main class; empty uses the jar manifest's.
	EntryClass string
	// Args are the program arguments (programArgsList).
	Args []string
	// Parallelism of the job; 0 leaves it to the cluster's default.
	Parallelism int32
	// SavepointPath restores the job from a savepoint or retained
	// checkpoint; empty starts it empty.
	SavepointPath string
	// AllowNonRestoredState skips state of operators the job no longer has.
	AllowNonRestoredState bool
	// RestoreMode (1.15+) is how the job claims SavepointPath; empty is
	// Flink's default (NO_CLAIM).
	RestoreMode RestoreMode
	// FlinkConfiguration (1.17+) is job-level configuration over the
	// session cluster's.
	FlinkConfiguration map[string]string
}

// runJarBody is the JSON Flink reads. Fields a version does not know must
// be absent: Flink 1.x refuses unknown fields with a 400, and 2.x ignores
// them (seen on 2.2.1), which would drop the setting without a word.
type runJarBody struct {
	EntryClass            string            `json:"entryClass,omitempty"`
	ProgramArgsList       []string          `json:"programArgsList,omitempty"`
	Parallelism           int32             `json:"parallelism,omitempty"`
	JobID                 string            `json:"jobId"`
	AllowNonRestoredState bool              `json:"allowNonRestoredState,omitempty"`
	SavepointPath         string            `json:"savepointPath,omitempty"`
	RestoreMode           RestoreMode       `json:"restoreMode,omitempty"`
	ClaimMode             RestoreMode       `json:"claimMode,omitempty"`
	FlinkConfiguration    map[string]string `json:"flinkConfiguration,omitempty"`
}

// RunJar sends POST /jars/:jarid/run and returns the job id Flink
// answered, which is req.JobID. It is not retried: whether a run whose
// answer was lost went through is for the caller to find out, with
// GetJob on req.JobID; running it again is safe, as Flink then refuses a
// duplicate (IsDuplicateJob).
func (c *Client) RunJar(ctx context.Context, jarID string, req RunJarRequest) (string, error) {
	p := jarPath(jarID, "run")
	body, err := c.runJarBody(req)
	if err != nil {
		return "", fmt.Errorf("flink REST POST %s: %w", p, err)
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	if err := c.do(ctx, call{method: http.MethodPost, path: p, body: body, timeout: c.runTimeout}, &out); err != nil {
		return "", err
	}
	if out.JobID != req.JobID {
		return "", fmt.Errorf("flink REST POST %s: started job %q, not the requested %s", p, out.JobID, req.JobID)
	}
	return out.JobID, nil
}

func (c *Client) runJarBody(req RunJarRequest) (runJarBody, error) {
	if !IsFlinkID(req.JobID) {
		return runJarBody{}, fmt.Errorf("jobId %q: want 32 lower-case hex characters, chosen before the call", req.JobID)
	}
	if req.Parallelism < 0 {
		return runJarBody{}, fmt.Errorf("parallelism %d: want 1 or more, or 0 for the cluster's default", req.Parallelism)
	}
	b := runJarBody{
		EntryClass: req.EntryClass, ProgramArgsList: req.Args, Parallelism: req.Parallelism, JobID: req.JobID,
		AllowNonRestoredState: req.AllowNonRestoredState, SavepointPath: req.SavepointPath,
		FlinkConfiguration: req.FlinkConfiguration,
	}
	switch req.RestoreMode {
	case "":
	case RestoreModeClaim, RestoreModeNoClaim, RestoreModeLegacy:
		switch {
		case !c.version.SupportsRestoreMode():
			return runJarBody{}, fmt.Errorf("restoreMode on %s: %w", c.version, ErrUnsupported)
		case c.version.UsesClaimMode():
			b.ClaimMode = req.RestoreMode
		default:
			b.RestoreMode = req.RestoreMode
		}
	default:
		return runJarBody{}, fmt.Errorf("restore mode %q: want CLAIM, NO_CLAIM or LEGACY", req.RestoreMode)
	}
	if len(req.FlinkConfiguration) > 0 && !c.version.SupportsJobConfiguration() {
		return runJarBody{}, fmt.Errorf("flinkConfiguration on %s: %w", c.version, ErrUnsupported)
	}
	return b, nil
}

// DeleteJar sends DELETE /jars/:jarid. It is retried like a read, since
// deleting twice leaves the same result; a jar that is not there (deleted
// before, or lost with a JobManager's upload folder) is a 400 for which
// IsJarNotFound is true, which callers take as done.
func (c *Client) DeleteJar(ctx context.Context, jarID string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: jarPath(jarID), retry: true}, nil)
}

// JarFile is a jar the JobManager holds, as GET /jars lists it.
type JarFile struct {
	// ID is the jar id, <uuid>_<Name>, that /jars/:jarid takes.
	ID string `json:"id"`
	// Name is the file name the jar was uploaded under, exactly.
	Name string `json:"name"`
	// Uploaded is when the JobManager stored it, in epoch milliseconds.
	Uploaded int64 `json:"uploaded"`
	// EntryClasses are the entry classes its manifest names that Flink
	// could load; empty for a jar without one.
	EntryClasses []string `json:"-"`
}

// ListJars sends GET /jars and returns the jars the JobManager holds,
// newest first (real 1.20.5, 2.2.1 and 2.3.0 order them by upload time).
// It is retried like every read.
func (c *Client) ListJars(ctx context.Context) ([]JarFile, error) {
	var out struct {
		Files []struct {
			JarFile
			Entry []struct {
				Name string `json:"name"`
			} `json:"entry"`
		} `json:"files"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/jars", retry: true}, &out); err != nil {
		return nil, err
	}
	jars := make([]JarFile, 0, len(out.Files))
	for _, f := range out.Files {
		j := f.JarFile
		for _, e := range f.Entry {
			j.EntryClasses = append(j.EntryClasses, e.Name)
		}
		jars = append(jars, j)
	}
	return jars, nil
}

// jarPath builds /jars/<id><suffix>, escaping the id as jobPath does.
func jarPath(jarID string, suffix ...string) string {
	p := "/jars/" + url.PathEscape(jarID)
	for _, s := range suffix {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// Flink's texts by which the errors below are told apart, as real Flink
// 2.2.1 answers them (internal/testing/fakejm/testdata/real/2.2.1/jars.json)
// and Flink 1.17.1's classes write them.
const (
	jarMissingRun    = "Jar file "       // "Jar file <path> does not exist", run
	jarMissingDelete = "File "           // "File <id> does not exist in <dir>.", delete
	jarMissingTail   = " does not exist" // both
	duplicateJob     = "DuplicateJobSubmissionException"
)

// IsJarNotFound reports that Flink does not hold the jar id: a 400 from
// delete, and from run a 500 "Internal server error." whose server-side
// exception names the missing file.
func IsJarNotFound(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || (apiErr.StatusCode != http.StatusBadRequest && apiErr.StatusCode != http.StatusInternalServerError) {
		return false
	}
	for _, m := range apiErr.Errors {
		for line := range strings.SplitSeq(m, "\n") {
			_, msg, found := strings.Cut(line, "RestHandlerException: ")
			if found && (strings.HasPrefix(msg, jarMissingRun) || strings.HasPrefix(msg, jarMissingDelete)) && strings.Contains(msg, jarMissingTail) {
				return true
			}
		}
	}
	return false
}

// IsDuplicateJob reports that Flink refused a run because a job with the
// requested id exists or existed in the cluster: the run was made before.
// Flink answers 400 "Could not execute application." and names the cause
// only in the stack trace that follows.
func IsDuplicateJob(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	for _, m := range apiErr.Errors {
		if strings.Contains(m, duplicateJob) {
			return true
		}
	}
	return false
}
