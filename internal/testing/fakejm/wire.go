package fakejm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// response is what a handler answers; it is written after the cluster lock
// is released.
type response struct {
	status int
	body   any
}

func reply(status int, body any) response { return response{status: status, body: body} }

// errorResponse is Flink's error body: {"errors": [...]}.
func errorResponse(status int, msgs ...string) response {
	return response{status: status, body: map[string]any{"errors": msgs}}
}

func writeJSON(w http.ResponseWriter, resp response) {
	data, err := json.Marshal(resp.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
}

// badFormat is the 400 Flink's request parsing gives for a body that does
// not fit the request class: malformed JSON, a wrong type, a bad enum value
// or a malformed id (and, up to 1.19, an unknown field). From 1.20 the
// message is a RestHandlerException with its stack trace, as real 1.20.5,
// 2.2.1 and 2.3.0 answered; before, the bare message (unverified).
func (c *Cluster) badFormat(class string) response {
	return c.handlerError(http.StatusBadRequest, fmt.Sprintf("Request did not match expected format %s.", class))
}

// handlerError is the error body of a RestHandlerException thrown by a
// handler, in the version's shape (see badFormat).
func (c *Cluster) handlerError(status int, msg string) response {
	if c.version.AtLeast(1, 20) {
		return errorResponse(status, restHandlerError(msg))
	}
	return errorResponse(status, msg)
}

// decodeBody decodes a request body the way the version's REST server does.
// From 1.20 Flink parses bodies with its flexible mapper: unknown fields,
// including a known field spelt in another case, are ignored (real 1.20.5,
// 2.2.1 and 2.3.0 accepted them in the savepoint, stop, cancel and jar-run
// bodies). Before 1.20 the fake refuses them, as flink-facts.md says of the
// strict mapper (unverified per version).
//
// An ignored field is recorded (IgnoredFields), because a client that sends
// one has a bug that real Flink hides: a stop body with "target-directory"
// instead of "targetDirectory" silently writes the savepoint to the default
// directory.
func (c *Cluster) decodeBody(req *request, fields map[string]any) error {
	if !c.version.AtLeast(1, 20) {
		return decodeStrict(req.body, fields)
	}
	ignored, err := decodeKnown(req.body, fields)
	for _, k := range ignored {
		c.ignored = append(c.ignored, fmt.Sprintf("%s %s: %q", req.method, req.path, k))
	}
	return err
}

// decodeStrict decodes a JSON object body into fields (key -> pointer) the
// way Flink's strict mapper does: every key must be known, matched
// case-sensitively (unlike encoding/json's own matching), and typed right.
// An empty body counts as {}, as in Flink.
func decodeStrict(body []byte, fields map[string]any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return err
	}
	if obj == nil {
		return errors.New("body is null")
	}
	for k, raw := range obj {
		target, known := fields[k]
		if !known {
			return fmt.Errorf("unknown field %q", k)
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
	}
	return nil
}

// decodeKnown is decodeStrict for bodies whose unknown keys Flink ignores;
// it returns the keys it ignored.
func decodeKnown(body []byte, fields map[string]any) ([]string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errors.New("body is null")
	}
	var ignored []string
	for k, raw := range obj {
		target, known := fields[k]
		if !known {
			ignored = append(ignored, k)
			continue
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return ignored, fmt.Errorf("field %q: %w", k, err)
		}
	}
	slices.Sort(ignored)
	return ignored, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
