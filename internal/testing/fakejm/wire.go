package fakejm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// badFormat is the 400 Flink's strict request parsing gives for a body that
// does not fit the request class: unknown field, wrong type, bad enum value
// or malformed id.
func badFormat(class string) response {
	return errorResponse(http.StatusBadRequest, fmt.Sprintf("Request did not match expected format %s.", class))
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

// decodeKnown is decodeStrict for bodies whose unknown keys Flink ignores.
func decodeKnown(body []byte, fields map[string]any) error {
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
		if target, known := fields[k]; known {
			if err := json.Unmarshal(raw, target); err != nil {
				return fmt.Errorf("field %q: %w", k, err)
			}
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
