package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/parallel"
	"github.com/flinkops/flink-operator/planner"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/validation"
)

const planUsage = `usage: flink-render plan [flags] BASE HEAD
       flink-render plan [flags] --live LIVE HEAD

Says what the operator will do when HEAD replaces BASE: for each
FlinkDeployment (matched by namespace/name) the change class the
operator's upgrade gate decides, how the job's state is kept, the fields
that caused it, and the unified diff of the rendered objects. For each
FlinkSessionJob, the same by the session-job controller's rules (a
session job has no objects to diff).

BASE and HEAD are files, directories (every .yaml, .yml and .json file
below them) or - for standard input. A BASE object that carries a status
(kubectl get -o yaml) is planned from what its status says is deployed:
status.reconciliationStatus.lastReconciledSpec and status.deployedWith.
--live LIVE is the same and requires that status.

Examples:
  git show main:deploy/job.yaml | flink-render plan - deploy/job.yaml
  flink-render plan -o json base/ head/
  kubectl get flinkdeployment job -o yaml > live.yaml
  flink-render plan --live live.yaml deploy/job.yaml

Exit status:
  0  no job restarts (in-place changes, new FlinkDeployments, none)
  1  invalid input
  2  usage
  3  a job restarts (or is suspended) and keeps its state
  4  a job restarts or stops WITHOUT its state (upgradeMode stateless,
     a FlinkDeployment deleted, or a FlinkSessionJob deleted without
     kubernetes.operator.job.savepoint-on-deletion)
  5  the operator would hold a change (see its reason); nothing restarts
When several apply, the most serious wins: 4, then 5, then 3.

flags:
`

// planFlags are flink-render plan's flags; completion.go lists them too.
type planFlagValues struct {
	output, namespace, live, fetcherImage string
	noDiff, allowHTTP, strictKinds        bool
	artifactSchemes                       []string
	artifactMirrors                       artifact.Mirrors
}

// plannerOptions are the operator's settings the flags mirror.
func (f *planFlagValues) plannerOptions() planner.Options {
	return planner.OptionsOf(renderer.RenderContext{FetcherImage: f.fetcherImage, AllowHTTPArtifacts: f.allowHTTP, ArtifactSchemes: f.artifactSchemes, ArtifactMirrors: f.artifactMirrors})
}

func planFlags() (*flag.FlagSet, *planFlagValues) {
	fl := flag.NewFlagSet("flink-render plan", flag.ContinueOnError)
	f := &planFlagValues{}
	fl.StringVar(&f.output, "output", "text", "output format: text or json (the planner.Plan struct)")
	fl.StringVar(&f.output, "o", "text", "shorthand for --output")
	fl.StringVar(&f.namespace, "namespace", "default", "namespace for FlinkDeployments and FlinkSessionJobs that name none")
	fl.StringVar(&f.namespace, "n", "default", "shorthand for --namespace")
	fl.StringVar(&f.live, "live", "", "plan against the live object in `FILE` (its status), instead of a BASE")
	fl.BoolVar(&f.noDiff, "no-diff", false, "list the changed objects without their diffs (text output)")
	fl.StringVar(&f.fetcherImage, "fetcher-image", renderer.DefaultFetcherImage, "`IMAGE` of the jar-fetching init container, as the operator's --fetcher-image")
	fl.BoolVar(&f.allowHTTP, "allow-http-artifacts", false, "accept plain http:// in spec.job.jarURI")
	fl.Func("artifact-schemes", "remote `SCHEMES` accepted in spec.job.jarURI, as the operator's --artifact-schemes (default https,s3,gs)", func(s string) (err error) {
		f.artifactSchemes, err = validation.ParseArtifactSchemes(s)
		return err
	})
	mirrorFlag(fl, &f.artifactMirrors)
	fl.BoolVar(&f.strictKinds, "strict-kinds", false, "refuse every kind but FlinkDeployment, instead of ignoring other kinds")
	return fl, f
}

// runPlan is flink-render plan.
func runPlan(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl, f := planFlags()
	paths, code, ok := parseArgs(fl, args, planUsage, stdout, stderr)
	if !ok {
		return code
	}
	if f.output != "text" && f.output != "json" {
		return usageError(stderr, "flink-render plan", "--output %q: must be text or json", f.output)
	}
	if err := validation.CheckArtifactMirrors(f.artifactMirrors, validation.Options{AllowHTTPArtifacts: f.allowHTTP, Schemes: f.artifactSchemes}); err != nil {
		return usageError(stderr, "flink-render plan", "%v", err)
	}
	if f.live != "" {
		paths = append([]string{f.live}, paths...)
	}
	if len(paths) != 2 {
		return usageError(stderr, "flink-render plan", "want BASE and HEAD (or --live LIVE and HEAD), got %d arguments", len(paths))
	}
	if paths[0] == "-" && paths[1] == "-" {
		fmt.Fprintln(stderr, "flink-render plan: only one of BASE and HEAD can be standard input")
		return 2
	}

	var sets [2]*planner.Set
	failed := false
	for i, p := range paths {
		sources, err := readSources(p, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", p, err)
			failed = true
			continue
		}
		sources, err = planSources(sources, f.strictKinds, stderr)
		if err != nil {
			fmt.Fprintln(stderr, err)
			failed = true
			continue
		}
		set, errs := planner.Load(sources, f.namespace, f.plannerOptions())
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		failed = failed || len(errs) > 0
		sets[i] = set
	}
	if failed {
		return 1
	}
	if f.live != "" {
		if msg := notLive(sets[0]); msg != "" {
			fmt.Fprintf(stderr, "%s: %s\n", f.live, msg)
			return 1
		}
	}
	plan, errs := planner.Build(sets[0], sets[1], f.plannerOptions())
	for _, e := range errs {
		fmt.Fprintln(stderr, e)
	}
	if len(errs) > 0 {
		return 1
	}
	var out []byte
	if f.output == "json" {
		b, err := json.MarshalIndent(plan, "", "  ")
		if err != nil {
			fmt.Fprintln(stderr, "flink-render plan: encode the plan:", err)
			return 1
		}
		out = append(b, '\n')
	} else {
		out = planner.Text(plan, !f.noDiff)
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintln(stderr, "flink-render plan: write output:", err)
		return 1
	}
	return plan.ExitCode()
}

// planSources keeps the FlinkDeployments and FlinkSessionJobs of
// sources: plan ignores other kinds (splitKinds), and notes the kinds of
// flink.apache.org it does not plan.
func planSources(sources []planner.Source, strict bool, stderr io.Writer) ([]planner.Source, error) {
	// Split in parallel (each is a YAML parse), reported in order.
	splits, errs := make([]*split, len(sources)), make([]error, len(sources))
	parallel.ForEach(len(sources), func(i int) {
		splits[i], errs[i] = splitKinds(sources[i].Name, sources[i].Data, strict)
	})
	var out []planner.Source
	for i, src := range sources {
		sp, err := splits[i], errs[i]
		if err != nil {
			return nil, err
		}
		for _, n := range sp.notes {
			fmt.Fprintln(stderr, "note:", n, "- not planned")
		}
		if sp.flink != nil {
			out = append(out, planner.Source{Name: src.Name, Data: sp.flink})
		}
		for _, item := range sp.items {
			out = append(out, planner.Source{Name: src.Name, Data: item})
		}
		if sp.sessionJobs != nil {
			out = append(out, planner.Source{Name: src.Name, Data: sp.sessionJobs, SessionJobs: true})
		}
		for _, item := range sp.sessionJobItems {
			out = append(out, planner.Source{Name: src.Name, Data: item, SessionJobs: true})
		}
	}
	return out, nil
}

// notLive says why a --live input is not a live object, "" when it is.
func notLive(set *planner.Set) string {
	for _, fd := range set.Objects() {
		if !planner.IsLive(fd) {
			return fmt.Sprintf("FlinkDeployment %s/%s has no status.reconciliationStatus.lastReconciledSpec; --live needs the object as the cluster has it (kubectl get -o yaml)", fd.Namespace, fd.Name)
		}
	}
	for _, sj := range set.SessionJobs() {
		if !planner.IsLiveSessionJob(sj) {
			return fmt.Sprintf("FlinkSessionJob %s/%s has no status.reconciliationStatus.lastReconciledSpec; --live needs the object as the cluster has it (kubectl get -o yaml)", sj.Namespace, sj.Name)
		}
	}
	return ""
}

// readSources reads a file, every YAML or JSON file below a directory (in
// lexical order), or standard input for "-".
func readSources(path string, stdin io.Reader) ([]planner.Source, error) {
	if path == "-" {
		data, err := io.ReadAll(stdin)
		return []planner.Source{{Name: "-", Data: data}}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		return []planner.Source{{Name: path, Data: data}}, err
	}
	var names []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				names = append(names, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read folder: %w", err)
	}
	sort.Strings(names)
	sources := make([]planner.Source, 0, len(names))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sources = append(sources, planner.Source{Name: n, Data: data})
	}
	return sources, nil
}
