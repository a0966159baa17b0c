package flinkrest

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAPIErrorMessageAndHelpers(t *testing.T) {
	e := &APIError{Method: "POST", Path: "/jobs/abc/stop", StatusCode: 400, Errors: []string{"a", "b"}}
	assert.Equal(t, "flink REST POST /jobs/abc/stop: 400: a; b", e.Error())
	assert.Equal(t, "flink REST GET /x: 503: Service Unavailable",
		(&APIError{Method: "GET", Path: "/x", StatusCode: 503}).Error())

	wrapped := fmt.Errorf("reconcile: %w", e)
	assert.True(t, IsBadRequest(wrapped))
	assert.False(t, IsNotFound(wrapped))

	assert.True(t, IsNotFound(&APIError{StatusCode: 404}))
	assert.True(t, IsConflict(&APIError{StatusCode: 409}))
	assert.True(t, IsUnavailable(&APIError{StatusCode: 503}))
	assert.False(t, IsUnavailable(&APIError{StatusCode: 500}))
	assert.True(t, IsUnavailable(fmt.Errorf("flink REST GET /config: %w", syscall.ECONNREFUSED)))
	assert.False(t, IsUnavailable(context.DeadlineExceeded))

	disabled := &APIError{StatusCode: 404, Errors: []string{"Checkpointing has not been enabled."}}
	assert.True(t, IsCheckpointingDisabled(disabled))
	configDisabled := &APIError{StatusCode: 404, Errors: []string{"org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing is not enabled for this job (0123456789abcdef0123456789abcdef).\n\tat x"}}
	assert.True(t, IsCheckpointingDisabled(configDisabled))
	assert.False(t, IsCheckpointingDisabled(&APIError{StatusCode: 404, Errors: []string{"Job x not found"}}))
}

func TestNewAPIErrorKeepsNonJSONBody(t *testing.T) {
	e := newAPIError(call{method: "GET", path: "/config"}, 502, []byte("  <html>bad gateway</html>\n"))
	assert.Equal(t, []string{"<html>bad gateway</html>"}, e.Errors)
	e = newAPIError(call{method: "GET", path: "/config"}, 404, []byte(`{"errors":["Not found: /config"]}`))
	assert.Equal(t, []string{"Not found: /config"}, e.Errors)
}
