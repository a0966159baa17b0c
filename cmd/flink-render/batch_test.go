package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A batch renders and plans its inputs in parallel (parallel.go); the
// output must be the bytes of rendering them one by one. Run with -race.
func TestBatchParallelSameBytes(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(examples) < 4 {
		t.Fatalf("examples: %v, %v", examples, err)
	}
	base, head := t.TempDir(), t.TempDir()
	for _, ex := range examples {
		data, err := os.ReadFile(ex)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(ex)
		if err := os.WriteFile(filepath.Join(base, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		// Some change, some stay the same.
		changed := strings.Replace(string(data), "parallelism: 2", "parallelism: 3", 1)
		if err := os.WriteFile(filepath.Join(head, name), []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An invalid file among them: its errors come out in input order too.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "invalid.yaml"), []byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: bad}\nspec: {flinkVersion: v0_1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	runAt := func(procs int, args ...string) (string, string, int) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var out, errOut bytes.Buffer
		code := run(args, nil, &out, &errOut)
		return out.String(), errOut.String(), code
	}
	for _, args := range [][]string{
		{"-f", head},
		{"-f", base, "-f", bad, "-f", head},
		{"-f", head, "-o", "json"},
		{"plan", base, head},
		{"plan", filepath.Join(base, "basic.yaml"), head},
	} {
		wantOut, wantErr, wantCode := runAt(1, args...)
		gotOut, gotErr, gotCode := runAt(4, args...)
		if gotOut != wantOut || gotErr != wantErr || gotCode != wantCode {
			t.Errorf("flink-render %v: in parallel exit %d, stderr %q, stdout %d bytes; one by one exit %d, stderr %q, stdout %d bytes",
				args, gotCode, gotErr, len(gotOut), wantCode, wantErr, len(wantOut))
		}
		if wantOut == "" && wantErr == "" {
			t.Errorf("flink-render %v: no output", args)
		}
	}
}
