// Command flink-render prints the Kubernetes objects flink-operator would
// apply for FlinkDeployments, and the job submissions it would make for
// FlinkSessionJobs (submission.go), without a cluster.
//
//	flink-render [flags] FILE...   (FILE "-" reads standard input)
//	flink-render plan [flags] BASE HEAD   (plan.go)
//
// Exit status: 0 rendered, 1 invalid input (every error on stderr as
// FILE:LINE: field.path: message), 2 usage. flink-render plan adds 3, 4
// and 5 (planUsage).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/parallel"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	tuneGC()
	// Only "plan", "fn" or "completion" as the first argument is a
	// subcommand: a file of that name is still rendered as ./plan.
	if len(args) > 0 && args[0] == "plan" {
		return runPlan(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "completion" {
		return runCompletion(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "fn" {
		return runFn(args[1:], stdin, stdout, stderr)
	}
	fs, f := renderFlags()
	inputs, code, ok := parseArgs(fs, args, renderUsage, stdout, stderr)
	if !ok {
		return code
	}
	if f.showVersion {
		fmt.Fprintln(stdout, "flink-render", buildVersion())
		return 0
	}
	if f.output != "yaml" && f.output != "json" {
		return usageError(stderr, "flink-render", "--output %q: must be yaml or json", f.output)
	}
	if err := validation.CheckArtifactMirrors(f.artifactMirrors, validation.Options{AllowHTTPArtifacts: f.allowHTTP, Schemes: f.artifactSchemes}); err != nil {
		return usageError(stderr, "flink-render", "%v", err)
	}
	inputs, err := expandInputs(append(f.files, inputs...), f.recursive)
	if err != nil {
		fmt.Fprintln(stderr, "flink-render:", err)
		return 1
	}
	if len(inputs) == 0 {
		printUsage(fs, renderUsage, stderr)
		return 2
	}

	rc := renderer.RenderContext{FetcherImage: f.fetcherImage, AllowHTTPArtifacts: f.allowHTTP, ArtifactSchemes: f.artifactSchemes, ArtifactMirrors: f.artifactMirrors}
	opts := renderOptions{namespace: f.namespace, context: rc, strictKinds: f.strictKinds}
	if f.jobID != "" || f.restorePath != "" {
		opts.deployedWith = &v1beta1.DeployedWith{JobID: f.jobID, RestorePath: f.restorePath}
	}
	// Read in order (standard input is read once, by one reader), render
	// in parallel, then report and print in the order of the inputs: the
	// same bytes as one by one.
	datas, readErrs := make([][]byte, len(inputs)), make([]error, len(inputs))
	for i, name := range inputs {
		datas[i], readErrs[i] = readInput(name, stdin)
	}
	results := make([]rendered, len(inputs))
	// YAML to standard output is a concatenation of one document per
	// object, so each worker encodes its own input's objects too.
	yamlOut := f.output == "yaml" && f.outputDir == ""
	encoded, encodeErrs := make([][]byte, len(inputs)), make([]error, len(inputs))
	parallel.ForEach(len(inputs), func(i int) {
		if readErrs[i] == nil {
			results[i] = renderInput(inputs[i], datas[i], opts)
			if yamlOut && len(results[i].errs) == 0 {
				encoded[i], encodeErrs[i] = renderer.EncodeYAML(results[i].objects)
			}
		}
	})
	var objs []*unstructured.Unstructured
	failed := false
	for i, name := range inputs {
		if err := readErrs[i]; err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			failed = true
			continue
		}
		r := results[i]
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
	var restorePath *string
	if f.restorePath != "" {
		restorePath = &f.restorePath
	}
	subs, errs := submissions(results, f.namespace, restorePath, f.artifactMirrors)
	for _, e := range errs {
		fmt.Fprintln(stderr, e)
	}
	if len(errs) > 0 {
		return 1
	}
	if f.outputDir != "" {
		if err := writeDir(f.outputDir, f.output, objs, subs); err != nil {
			fmt.Fprintln(stderr, "flink-render:", err)
			return 1
		}
		return 0
	}
	var out []byte
	if yamlOut {
		// The bytes renderer.EncodeYAML(objs) gives, and its first error.
		for _, err := range encodeErrs {
			if err != nil {
				fmt.Fprintln(stderr, "flink-render:", err)
				return 1
			}
		}
		out = bytes.Join(encoded, nil)
		sub, err := submissionsYAML(subs)
		if err != nil {
			fmt.Fprintln(stderr, "flink-render:", err)
			return 1
		}
		out = append(out, sub...)
	} else if out, err = encodeJSON(objs, subs); err != nil {
		fmt.Fprintln(stderr, "flink-render:", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintln(stderr, "flink-render: write output:", err)
		return 1
	}
	return 0
}

// mirrorFlag registers --artifact-mirror, as the operator's.
func mirrorFlag(fs *flag.FlagSet, mirrors *artifact.Mirrors) {
	fs.Func("artifact-mirror", "fetch remote jars under FROM from TO instead, as the operator's --artifact-mirror: `FROM=TO`, two URI prefixes ending in / (repeatable)", func(s string) error {
		m, err := artifact.ParseMirror(s)
		*mirrors = append(*mirrors, m)
		return err
	})
}

// renderFlagValues are flink-render's flags (renderFlags); completion.go
// lists them too.
type renderFlagValues struct {
	output, outputDir, namespace, fetcherImage, jobID, restorePath string
	files                                                          stringList
	recursive, allowHTTP, strictKinds, showVersion                 bool
	artifactSchemes                                                []string
	artifactMirrors                                                artifact.Mirrors
}

func renderFlags() (*flag.FlagSet, *renderFlagValues) {
	fs := flag.NewFlagSet("flink-render", flag.ContinueOnError)
	f := &renderFlagValues{}
	fs.StringVar(&f.output, "output", "yaml", "output format: yaml or json")
	fs.StringVar(&f.output, "o", "yaml", "shorthand for --output")
	fs.StringVar(&f.outputDir, "output-dir", "", "write one file per object into `DIR` instead of standard output; flink-render owns DIR and replaces all of it on each run")
	fs.StringVar(&f.namespace, "namespace", "default", "namespace for FlinkDeployments and FlinkSessionJobs that name none")
	fs.StringVar(&f.namespace, "n", "default", "shorthand for --namespace")
	fs.Var(&f.files, "filename", "`FILE` or folder to render, like an argument (repeatable; - reads standard input)")
	fs.Var(&f.files, "f", "shorthand for --filename")
	fs.BoolVar(&f.recursive, "recursive", false, "read the folders of -f and of the arguments recursively (default: their top level)")
	fs.BoolVar(&f.recursive, "R", false, "shorthand for --recursive")
	fs.StringVar(&f.fetcherImage, "fetcher-image", renderer.DefaultFetcherImage, "`IMAGE` of the init container that downloads an https, s3 or gs spec.job.jarURI; it runs /usr/local/bin/flink-fetch")
	fs.BoolVar(&f.allowHTTP, "allow-http-artifacts", false, "accept plain http:// in spec.job.jarURI")
	fs.Func("artifact-schemes", "remote `SCHEMES` accepted in spec.job.jarURI, comma-separated, of https, s3 and gs, as the operator's --artifact-schemes (default all three)", func(s string) (err error) {
		f.artifactSchemes, err = validation.ParseArtifactSchemes(s)
		return err
	})
	mirrorFlag(fs, &f.artifactMirrors)
	fs.StringVar(&f.jobID, "job-id", "", "render as a running cluster started with Flink job id `ID` (status.deployedWith.jobId)")
	fs.StringVar(&f.restorePath, "restore-path", "", "render as a running cluster whose job started from `PATH` (status.deployedWith.restorePath); a FlinkSessionJob's submission restores from it")
	fs.BoolVar(&f.strictKinds, "strict-kinds", false, "refuse every kind but FlinkDeployment, instead of passing other kinds through unchanged")
	fs.BoolVar(&f.showVersion, "version", false, "print the version and exit")
	return fs, f
}

const renderUsage = `usage: flink-render [flags] FILE|DIR...  (- reads standard input)
       flink-render plan [flags] BASE HEAD  (flink-render plan --help for more)
       flink-render fn  (a KRM function: docs/kustomize.md)
       flink-render completion bash|zsh|fish

Prints the Kubernetes objects flink-operator applies for FlinkDeployments,
and for each FlinkSessionJob, which has none, the job submission the
operator sends to its session (jar, entry class, args, parallelism,
restore path, configuration): a comment document headed
"# FlinkSessionJob NAMESPACE/NAME" after the objects, which kubectl skips
(-o json: the List's jobSubmissions).
An object that carries a status (kubectl get -o yaml) is rendered as its
cluster runs, with the job id and restore path of status.deployedWith, so
  flink-render live.yaml | kubectl diff -f -
shows only real changes; --job-id and --restore-path do the same for a
file without status.

Other kinds (the rest of a kustomize build or an Argo CD app) pass through
unchanged, before the rendered objects of each file; a kind: List is
flattened. The kinds of flink.apache.org this operator does not handle yet
(FlinkStateSnapshot, ...) pass through with a note on stderr.
--strict-kinds refuses every kind but FlinkDeployment.

flink-render plan says what the operator will do with a change: the
change class, whether and how a job restarts and keeps its state, and the
diff of the rendered objects. Its exit status is 0 when no job restarts,
3 when a job restarts keeping its state, 4 when one restarts or stops
without its state, 5 when the operator would hold the change, 1 for
invalid input.

Flags go anywhere among the arguments. A folder (an argument or -f DIR)
is read as kubectl reads it: its .yaml, .yml and .json files, with -R
those of every folder below it too.

Examples:
  flink-render examples/basic.yaml
  flink-render job.yaml -o json -n analytics
  flink-render -R -f deploy/ --output-dir rendered/
  kustomize build overlays/prod | flink-render -
  flink-render live.yaml | kubectl diff -f -
  git show main:job.yaml | flink-render plan - job.yaml
  source <(flink-render completion bash)

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
