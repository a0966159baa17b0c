package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Command-line conventions shared by flink-render and flink-render plan,
// as kubectl users expect them: flags anywhere among the arguments,
// --help on standard output with exit status 0, -f FILE|DIR with -R.

// parseArgs parses flags wherever they are among args and returns the
// other arguments. ok false means: exit with code (0 after --help, whose
// text goes to stdout; 2 after a usage error, reported on stderr).
func parseArgs(fl *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (positional []string, code int, ok bool) {
	fl.SetOutput(stderr)
	// The flag package prints its own message of a bad flag, then calls
	// Usage: the full text is for --help only.
	fl.Usage = func() {}
	for {
		err := fl.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fl, usage, stdout)
			return nil, 0, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "run '%s --help' for usage\n", fl.Name())
			return nil, 2, false
		}
		rest := fl.Args()
		if len(rest) == 0 {
			return positional, 0, true
		}
		// "--" ends the flags: everything after it is an argument.
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), 0, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// printUsage writes the command's text and its flags, each with its short
// form when it has one.
func printUsage(fl *flag.FlagSet, usage string, w io.Writer) {
	fmt.Fprint(w, usage)
	out := fl.Output()
	fl.SetOutput(w)
	fl.PrintDefaults()
	fl.SetOutput(out)
}

// usageError reports a wrong use on stderr and returns exit status 2.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\nrun '%s --help' for usage\n", cmd, fmt.Sprintf(format, args...), cmd)
	return 2
}

// stringList is a flag given any number of times (-f a -f b, or -f a,b).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, strings.Split(v, ",")...)
	return nil
}

// expandInputs turns directories into the YAML and JSON files they hold,
// as kubectl -f does: the top level only, every level with recursive.
// Files and "-" stay as given; a directory's files are in lexical order.
func expandInputs(names []string, recursive bool) ([]string, error) {
	var out []string
	for _, name := range names {
		if name == "-" {
			out = append(out, name)
			continue
		}
		info, err := os.Stat(name)
		if err != nil || !info.IsDir() {
			// A missing file is reported when it is read.
			out = append(out, name)
			continue
		}
		var files []string
		err = filepath.WalkDir(name, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != name && (!recursive || strings.HasPrefix(d.Name(), ".")) {
					// Hidden folders (.git, an --output-dir's
					// temporary one) are never read.
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read folder %s: %w", name, err)
		}
		sort.Strings(files)
		out = append(out, files...)
	}
	return out, nil
}
