// Command flink-render prints the Kubernetes objects flink-operator would
// apply for FlinkDeployments, without a cluster.
//
//	flink-render [flags] FILE...   (FILE "-" reads standard input)
//
// Exit status: 0 rendered, 1 invalid input (every error on stderr as
// FILE:LINE: field.path: message), 2 usage.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flink-render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", "yaml", "output format: yaml or json")
	outputDir := fs.String("output-dir", "", "write one file per object into `DIR` instead of standard output")
	namespace := fs.String("namespace", "default", "namespace for FlinkDeployments that name none")
	fetcherImage := fs.String("fetcher-image", renderer.DefaultFetcherImage, "`IMAGE` of the init container that downloads an https, s3 or gs spec.job.jarURI; it runs /usr/local/bin/flink-fetch")
	allowHTTP := fs.Bool("allow-http-artifacts", false, "accept plain http:// in spec.job.jarURI")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: flink-render [flags] FILE...  (FILE - reads standard input)\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "flink-render", buildVersion())
		return 0
	}
	if *output != "yaml" && *output != "json" {
		fmt.Fprintf(stderr, "flink-render: -o %q: must be yaml or json\n", *output)
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	var objs []*unstructured.Unstructured
	failed := false
	for _, name := range fs.Args() {
		data, err := readInput(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			failed = true
			continue
		}
		rendered, errs := renderer.RenderFile(name, data, renderer.FileOptions{
			Namespace: *namespace,
			Context:   renderer.RenderContext{FetcherImage: *fetcherImage, AllowHTTPArtifacts: *allowHTTP},
			// Settings the operator would not carry out: not errors, but
			// never silent.
			Warn: func(e *decode.Error) { fmt.Fprintln(stderr, "warning:", e) },
		})
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		failed = failed || len(errs) > 0
		objs = append(objs, rendered...)
	}
	// Partial output is worse than none: applied or diffed, it would look
	// like a cluster missing objects.
	if failed {
		return 1
	}
	if *outputDir != "" {
		if err := writeDir(*outputDir, *output, objs); err != nil {
			fmt.Fprintln(stderr, "flink-render:", err)
			return 1
		}
		return 0
	}
	out, err := encode(*output, objs)
	if err != nil {
		fmt.Fprintln(stderr, "flink-render:", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintln(stderr, "flink-render: write output:", err)
		return 1
	}
	return 0
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func encode(format string, objs []*unstructured.Unstructured) ([]byte, error) {
	if format == "json" {
		return renderer.EncodeJSON(objs)
	}
	return renderer.EncodeYAML(objs)
}

func writeDir(dir, format string, objs []*unstructured.Unstructured) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	for _, o := range objs {
		out, err := encode(format, []*unstructured.Unstructured{o})
		if err != nil {
			return err
		}
		path := filepath.Join(dir, renderer.FileName(o, format))
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", renderer.ObjectID(o), err)
		}
	}
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "devel"
}
