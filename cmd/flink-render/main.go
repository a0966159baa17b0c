// Command flink-render prints the Kubernetes objects flink-operator would
// apply for FlinkDeployments, without a cluster.
//
//	flink-render [flags] FILE...   (FILE "-" reads standard input)
//	flink-render plan [flags] BASE HEAD   (plan.go)
//
// Exit status: 0 rendered, 1 invalid input (every error on stderr as
// FILE:LINE: field.path: message), 2 usage. flink-render plan adds 3, 4
// and 5 (planUsage).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Only "plan" as the first argument is the subcommand: a file named
	// plan is still rendered as ./plan.
	if len(args) > 0 && args[0] == "plan" {
		return runPlan(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "fn" {
		return runFn(args[1:], stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("flink-render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", "yaml", "output format: yaml or json")
	outputDir := fs.String("output-dir", "", "write one file per object into `DIR` instead of standard output; flink-render owns DIR and replaces all of it on each run")
	namespace := fs.String("namespace", "default", "namespace for FlinkDeployments that name none")
	fetcherImage := fs.String("fetcher-image", renderer.DefaultFetcherImage, "`IMAGE` of the init container that downloads an https, s3 or gs spec.job.jarURI; it runs /usr/local/bin/flink-fetch")
	allowHTTP := fs.Bool("allow-http-artifacts", false, "accept plain http:// in spec.job.jarURI")
	jobID := fs.String("job-id", "", "render as a running cluster started with Flink job id `ID` (status.deployedWith.jobId)")
	restorePath := fs.String("restore-path", "", "render as a running cluster whose job started from `PATH` (status.deployedWith.restorePath)")
	strictKinds := fs.Bool("strict-kinds", false, "refuse every kind but FlinkDeployment, instead of passing other kinds through unchanged")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, renderUsage)
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

	opts := renderOptions{
		namespace:   *namespace,
		context:     renderer.RenderContext{FetcherImage: *fetcherImage, AllowHTTPArtifacts: *allowHTTP},
		strictKinds: *strictKinds,
	}
	if *jobID != "" || *restorePath != "" {
		opts.deployedWith = &v1beta1.DeployedWith{JobID: *jobID, RestorePath: *restorePath}
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
		r := renderInput(name, data, opts)
		// Settings the operator would not carry out, and kinds it does
		// not handle yet: not errors, but never silent.
		for _, n := range r.notes {
			fmt.Fprintln(stderr, "note:", n, "- passed through unchanged")
		}
		for _, w := range r.warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		for _, e := range r.errs {
			fmt.Fprintln(stderr, e)
		}
		failed = failed || len(r.errs) > 0
		objs = append(objs, r.objects...)
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

const renderUsage = `usage: flink-render [flags] FILE...  (FILE - reads standard input)
       flink-render plan [flags] BASE HEAD  (flink-render plan -h for more)

Prints the Kubernetes objects flink-operator applies for FlinkDeployments.
An object that carries a status (kubectl get -o yaml) is rendered as its
cluster runs, with the job id and restore path of status.deployedWith, so
  flink-render live.yaml | kubectl diff -f -
shows only real changes; --job-id and --restore-path do the same for a
file without status.

Other kinds (the rest of a kustomize build or an Argo CD app) pass through
unchanged, before the rendered objects of each file; a kind: List is
flattened. The kinds of flink.apache.org this operator does not handle yet
(FlinkSessionJob, ...) pass through with a note on stderr. --strict-kinds
refuses every kind but FlinkDeployment.

flink-render plan says what the operator will do with a change: the
change class, whether and how a job restarts and keeps its state, and the
diff of the rendered objects. Its exit status is 0 when no job restarts,
3 when a job restarts keeping its state, 4 when one restarts or stops
without its state, 5 when the operator would hold the change, 1 for
invalid input.

Examples:
  flink-render examples/basic.yaml
  flink-render -o json --namespace analytics job.yaml
  git show main:job.yaml | flink-render plan - job.yaml

Exit status: 0 rendered, 1 invalid input, 2 usage.

flags:
`

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

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "devel"
}
