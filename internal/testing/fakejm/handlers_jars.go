package fakejm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// The answers below are those real Flink 2.2.1 gave
// (testdata/real/2.2.1/jars.json, checked by TestFakeJarsAnswerAsRealFlinkDid),
// and the texts are also in Flink 1.17.1's jar handlers (JarUploadHandler,
// JarRunHandler, JarDeleteHandler, JarHandlerUtils); for other versions
// they are unverified.

// handleJarUpload answers POST /jars/upload: exactly one file part, whose
// name ends in .jar.
func (c *Cluster) handleJarUpload(req *request) response {
	files, field, err := uploadedFiles(req)
	if field != "" {
		// Flink's upload handler takes no form field but the JSON
		// "request" attribute of other endpoints, and says so plainly.
		return errorResponse(http.StatusBadRequest, fmt.Sprintf("Received unknown attribute %s.", field))
	}
	if err != nil || len(files) != 1 {
		return errorResponse(http.StatusBadRequest, restHandlerError(fmt.Sprintf("Exactly 1 file must be sent, received %d.", len(files))))
	}
	if !strings.HasSuffix(files[0].name, ".jar") {
		return errorResponse(http.StatusBadRequest, restHandlerError("Only Jar files are allowed."))
	}
	j := c.storeJar(files[0].name, files[0].content)
	c.counters.JarUploads++
	return reply(http.StatusOK, map[string]any{"filename": c.jarDir() + "/" + j.id, "status": "success"})
}

type uploadedFile struct {
	name    string
	content []byte
}

// uploadedFiles lists the file parts of a multipart body, or names its
// first form field that is not a file. A body that is not multipart holds
// no files, as for Flink.
func uploadedFiles(req *request) (files []uploadedFile, field string, err error) {
	mediaType, params, err := mime.ParseMediaType(req.contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return nil, "", nil
	}
	mr := multipart.NewReader(bytes.NewReader(req.body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return files, "", nil
		}
		if err != nil {
			return files, "", err
		}
		if part.FileName() == "" {
			return files, part.FormName(), nil
		}
		content, err := io.ReadAll(part)
		if err != nil {
			return files, "", err
		}
		files = append(files, uploadedFile{name: part.FileName(), content: content})
	}
}

// handleJarList answers GET /jars: the address the REST API is served at,
// and every uploaded jar, newest first, with its id, the file name it was
// uploaded under, its upload time (epoch milliseconds) and its entry
// classes (as real 1.20.5, 2.2.1 and 2.3.0 answered: testdata/real/*/jars-list.json).
func (c *Cluster) handleJarList(req *request) response {
	files := []any{}
	for _, j := range c.listJars() {
		entries := []any{}
		for _, e := range j.entries {
			// The description is the program's, when its main class
			// implements ProgramDescription; the fake runs no class.
			entries = append(entries, map[string]any{"name": e, "description": nil})
		}
		files = append(files, map[string]any{"id": j.id, "name": j.name, "uploaded": j.uploaded, "entry": entries})
	}
	return reply(http.StatusOK, map[string]any{"address": "http://" + req.host, "files": files})
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
// know are refused or ignored by decodeBody.
type runFields struct {
	entryClass, savepointPath, jobID *string
	programArgs                      *string
	programArgsList                  *[]string
	parallelism                      *int
	allowNonRestored                 *bool
	restoreMode, claimMode           *string
	config                           *jobConfig
}

// jobConfig is the jar run's flinkConfiguration: a map of strings, whose
// values real 2.2.1 also took as JSON numbers and booleans (Jackson turns
// them into their text), and refused as objects (a nested
// {"execution": {...}}: "Request did not match expected format").
type jobConfig map[string]string

func (m *jobConfig) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		// Unverified: a null flinkConfiguration is taken as none.
		return nil
	}
	out := jobConfig{}
	for k, v := range raw {
		var scalar any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&scalar); err != nil {
			return err
		}
		switch x := scalar.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		default:
			// Objects and arrays were refused; null is unverified.
			return fmt.Errorf("flinkConfiguration[%s]: not a string, number or boolean", k)
		}
	}
	*m = out
	return nil
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
// Unknown body fields are ignored from 1.20 (see decodeBody): a misspelt
// field starts the job without it, so the client must not send what a
// version lacks.
func (c *Cluster) handleJarRun(req *request) response {
	var f runFields
	if c.decodeBody(req, f.fields(c.version)) != nil || !validRestoreMode(f.restoreMode) || !validRestoreMode(f.claimMode) ||
		(f.jobID != nil && !flinkrest.IsFlinkID(strings.ToLower(*f.jobID))) {
		return c.badFormat("JarRunRequestBody")
	}
	id := req.params["jarid"]
	j, ok := c.jars.byID[id]
	if !ok {
		// Thrown inside the handler's future, so it arrives as an
		// unhandled exception: 500, not the 400 of a RestHandlerException.
		missing := fmt.Sprintf("org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file %s/%s does not exist", c.jarDir(), id)
		return errorResponse(http.StatusInternalServerError, "Internal server error.",
			"<Exception on server side:\n"+stackTrace("java.util.concurrent.CompletionException", missing)+"Caused by: "+missing+"\n\tat org.apache.flink.fakejm(fakejm.java:1)\n\nEnd of exception on server side>")
	}
	if deref(f.programArgs) != "" && len(deref(f.programArgsList)) > 0 {
		return errorResponse(http.StatusBadRequest, restHandlerError("Confusing request: programArgs and programArgsList are specified, please, use only programArgsList"))
	}
	jobID := strings.ToLower(deref(f.jobID))
	// The fake's job is named after its jar; a real job names itself.
	name := strings.TrimSuffix(j.name, ".jar")
	if _, dup := c.jobs[jobID]; dup {
		// Flink names the dispatcher's refusal only below its own message.
		return errorResponse(http.StatusBadRequest, restHandlerError("Could not execute application.",
			"java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
			"org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
			fmt.Sprintf("org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Failed to execute job '%s'.", name),
			fmt.Sprintf("org.apache.flink.util.FlinkException: Failed to execute job '%s'.", name),
			"org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted."))
	}
	spec := JobSpec{ID: jobID, Name: name, Parallelism: deref(f.parallelism), RestoredFrom: deref(f.savepointPath)}
	if value, set := deref(f.config)[flinkrest.CheckpointRetentionOption]; set {
		retention, ok := parseRetention(value)
		if !ok {
			return c.badRetention(value)
		}
		spec.CheckpointRetention = retention
	}
	if strings.EqualFold(deref(f.config)["execution.runtime-mode"], "BATCH") {
		// A batch job has no checkpoint coordinator (real 1.20.5, 2.2.1
		// and 2.3.0: both checkpoint endpoints answer 404).
		spec.CheckpointingDisabled = true
	}
	jobID, err := c.addJob(spec)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, "fakejm: "+err.Error())
	}
	c.counters.JarRuns++
	answer := map[string]any{"jobid": jobID}
	if c.version.AtLeast(2, 3) {
		// Real 2.3.0 also names the application the job runs in, with
		// the job's own id.
		answer["applicationId"] = jobID
	}
	return reply(http.StatusOK, answer)
}

// badRetention is real Flink's answer to a jar run whose flinkConfiguration
// holds an unknown checkpoint retention: the job's main method fails to
// configure its environment (status 400 on 2.2.1; the same text on 1.20.5
// and 2.3.0, whose enum class differs).
func (c *Cluster) badRetention(value string) response {
	enum := "org.apache.flink.configuration.ExternalizedCheckpointRetention"
	if !c.version.AtLeast(2, 0) {
		// Unverified before 1.20.
		enum = "org.apache.flink.streaming.api.environment.CheckpointConfig$ExternalizedCheckpointCleanup"
	}
	parse := fmt.Sprintf("Could not parse value '%s' for key '%s'.", value, flinkrest.CheckpointRetentionOption)
	return errorResponse(http.StatusBadRequest, restHandlerError("Could not execute application.",
		"java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
		"org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
		"org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: "+parse,
		"java.lang.IllegalArgumentException: "+parse,
		fmt.Sprintf("java.lang.IllegalArgumentException: Could not parse value for enum class %s. Expected one of: [[%s, %s, %s]]",
			enum, flinkrest.DeleteOnCancellation, flinkrest.RetainOnCancellation, flinkrest.NoExternalizedCheckpoints)))
}
