package metrics

import "testing"

func TestRESTEndpoint(t *testing.T) {
	for path, want := range map[string]string{
		"/overview":                              "/overview",
		"/config":                                "/config",
		"/jobs/overview":                         "/jobs/overview",
		"/jobs/a1b2c3d4e5f60718293a4b5c6d7e8f90": "/jobs/:jobid",
		"/jobs/a1b2c3d4e5f60718293a4b5c6d7e8f90/savepoints":         "/jobs/:jobid/savepoints",
		"/jobs/a1b2c3d4e5f60718293a4b5c6d7e8f90/savepoints/7f3e-01": "/jobs/:jobid/savepoints/:triggerid",
		"/jobs/a1b2/stop":                              "/jobs/:jobid/stop",
		"/jobs/a1b2/checkpoints":                       "/jobs/:jobid/checkpoints",
		"/jobs/a1b2/checkpoints/config":                "/jobs/:jobid/checkpoints/config",
		"/jobs/a1b2/checkpoints/details/42":            "/jobs/:jobid/checkpoints/details/:checkpointid",
		"/jobs/a1b2/exceptions?maxExceptions=10":       "/jobs/:jobid/exceptions",
		"/jars/upload":                                 "/jars/upload",
		"/jars/0c2f_job.jar/run":                       "/jars/:jarid/run",
		"/jobs/a1b2/vertices/v1/subtasks/3/attempts/0": "/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/attempts/:attempt",
		"/":                         "/",
		"/some-secret-name/another": "/:id/:id",
		"/jobs/a1b2/unexpected-literal-or-id/savepoints/x1": "/jobs/:jobid/:id/savepoints/:triggerid",
	} {
		if got := RESTEndpoint(path); got != want {
			t.Errorf("RESTEndpoint(%q) = %q, want %q", path, got, want)
		}
	}
}
