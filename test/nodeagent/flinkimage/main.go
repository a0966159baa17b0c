package flinkimage

import (
	"fmt"
	"path/filepath"
)

// Main runs the program started as argv0 with args and returns the exit status; on success
// it does not return, because the process became the JVM (or the pass-through command).
func Main(argv0 string, args []string) int {
	rt := NewOSRuntime()
	if err := rt.Run(filepath.Base(argv0), args); err != nil {
		fmt.Fprintf(rt.Stderr, "%s: %v\n", filepath.Base(argv0), err)
		return 1
	}
	return 0
}
