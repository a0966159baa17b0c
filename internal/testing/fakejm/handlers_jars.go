package fakejm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// The texts and status codes below are those of Flink 1.17.1's jar
// handlers (JarUploadHandler, JarRunHandler, JarDeleteHandler,
// JarHandlerUtils), read from its classes; answers of a running Flink to
// these calls are not among the captures in testdata/real.

// handleJarUpload answers POST /jars/upload: exactly one file part, whose
// name ends in .jar.
func (c *Cluster) handleJarUpload(req *request) response {
	files, err := uploadedFiles(req)
	if err != nil || len(files) != 1 {
		return errorResponse(http.StatusBadRequest, restHandlerError(fmt.Sprintf("Exactly 1 file must be sent, received %d.", len(files))))
	}
	if !strings.HasSuffix(files[0].name, ".jar") {
		return errorResponse(http.StatusBadRequest, restHandlerError("Only Jar files are allowed."))
	}
	j := c.storeJar(files[0].name, files[0].size)
	c.counters.JarUploads++
	return reply(http.StatusOK, map[string]any{"filename": c.jarDir() + "/" + j.id, "status": "success"})
}

type uploadedFile struct {
	name string
	size int
}

// uploadedFiles lists the file parts of a multipart body. A body that is
// not multipart holds no files, as for Flink.
func uploadedFiles(req *request) ([]uploadedFile, error) {
	mediaType, params, err := mime.ParseMediaType(req.contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return nil, nil
	}
	mr := multipart.NewReader(bytes.NewReader(req.body), params["boundary"])
	var files []uploadedFile
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, err
		}
		if part.FileName() == "" {
			continue // a form field, not a file
		}
		n, err := io.Copy(io.Discard, part)
		if err != nil {
			return files, err
		}
		files = append(files, uploadedFile{name: part.FileName(), size: int(n)})
	}
}

// handleJarDelete answers DELETE /jars/:jarid.
func (c *Cluster) handleJarDelete(req *request) response {
	id := req.params["jarid"]
	if !c.deleteJar(id) {
		return errorResponse(http.StatusBadRequest, restHandlerError(fmt.Sprintf("File %s does not exist in %s.", id, c.jarDir())))
	}
	c.counters.JarDeletes++
	return reply(http.StatusOK, map[string]any{})
}

// runFields is JarRunRequestBody as a version parses it; fields it does not
// know are refused by decodeStrict.
type runFields struct {
	entryClass, savepointPath, jobID *string
	programArgs                      *string
	programArgsList                  *[]string
	parallelism                      *int
	allowNonRestored                 *bool
	restoreMode, claimMode           *string
	config                           *map[string]string
}

func (f *runFields) fields(v flinkrest.Version) map[string]any {
	m := map[string]any{
		"entryClass": &f.entryClass, "programArgsList": &f.programArgsList, "parallelism": &f.parallelism,
		"jobId": &f.jobID, "allowNonRestoredState": &f.allowNonRestored, "savepointPath": &f.savepointPath,
	}
	if !v.AtLeast(2, 0) {
		m["programArgs"] = &f.programArgs // the single-string form, removed in 2.0
	}
	if v.SupportsRestoreMode() {
		m["restoreMode"] = &f.restoreMode
	}
	if v.SupportsJobConfiguration() {
		m["flinkConfiguration"] = &f.config
	}
	if v.UsesClaimMode() {
		m["claimMode"] = &f.claimMode
	}
	return m
}

func validRestoreMode(m *string) bool {
	switch deref(m) {
	case "", string(flinkrest.RestoreModeClaim), string(flinkrest.RestoreModeNoClaim), string(flinkrest.RestoreModeLegacy):
		return true
	}
	return false
}

// handleJarRun answers POST /jars/:jarid/run: it starts a job from an
// uploaded jar, with the requested id, or refuses a duplicate id as Flink's
// dispatcher does, also for a job that has ended (its result is kept).
func (c *Cluster) handleJarRun(req *request) response {
	var f runFields
	if decodeStrict(req.body, f.fields(c.version)) != nil || !validRestoreMode(f.restoreMode) || !validRestoreMode(f.claimMode) ||
		(f.jobID != nil && !flinkrest.IsFlinkID(*f.jobID)) {
		return badFormat("JarRunRequestBody")
	}
	id := req.params["jarid"]
	if _, ok := c.jars.byID[id]; !ok {
		return errorResponse(http.StatusBadRequest, restHandlerError(fmt.Sprintf("Jar file %s/%s does not exist", c.jarDir(), id)))
	}
	if deref(f.programArgs) != "" && len(deref(f.programArgsList)) > 0 {
		return errorResponse(http.StatusBadRequest, restHandlerError("Confusing request: programArgs and programArgsList are specified, please, use only programArgsList"))
	}
	jobID := deref(f.jobID)
	if _, dup := c.jobs[jobID]; dup {
		// Unverified: the exact chain of causes; Flink names the
		// dispatcher's refusal only below its own message.
		return errorResponse(http.StatusBadRequest, restHandlerError("Could not execute application.",
			"org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
			"org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted."))
	}
	jobID, err := c.addJob(JobSpec{ID: jobID, Parallelism: deref(f.parallelism), RestoredFrom: deref(f.savepointPath)})
	if err != nil {
		return errorResponse(http.StatusInternalServerError, "fakejm: "+err.Error())
	}
	c.counters.JarRuns++
	return reply(http.StatusOK, map[string]any{"jobid": jobID})
}
