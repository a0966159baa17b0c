// Package cuetable decodes the CUE version table (templates/versions) into
// the Go mirror. Only the generator and the test that checks the generated
// table use it: compiling the table costs a process 6–8 ms at start, which
// flink-render, a short-lived command, should not pay.
package cuetable

import (
	"encoding/json"
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	flinkoperator "github.com/flinkops/flink-operator"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// File is the version table; it imports only CUE's standard library, so it
// compiles on its own, without loading the module.
const File = "templates/versions/versions.cue"

// Load compiles the table and returns the value at its "table" field.
func Load() (cue.Value, error) {
	src, err := flinkoperator.CUEModule.ReadFile(File)
	if err != nil {
		return cue.Value{}, fmt.Errorf("read the Flink version table %s: %w", File, err)
	}
	v := cuecontext.New().CompileBytes(src, cue.Filename(File)).LookupPath(cue.ParsePath("table"))
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("compile the Flink version table %s: %w", File, err)
	}
	return v, nil
}

// Decode decodes the table into out, a *map[v1beta1.FlinkVersion]T, through
// JSON so that T's json tags name the CUE fields.
func Decode[T any](out *map[v1beta1.FlinkVersion]T) error {
	v, err := Load()
	if err != nil {
		return err
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode the Flink version table %s: %w", File, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode the Flink version table %s: %w", File, err)
	}
	return nil
}
