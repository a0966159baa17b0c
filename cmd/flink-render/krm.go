package main

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// flink-render fn is a KRM function (the kustomize and kpt function
// specification): it reads a ResourceList on stdin and writes it back with
// the objects of its FlinkDeployments added. docs/kustomize.md shows both
// uses:
//
//   - transformer (kustomize transformers:, kpt fn eval/render): every
//     FlinkDeployment among the items is rendered; the items all stay;
//   - generator (kustomize generators:): the functionConfig is itself a
//     FlinkDeployment, and its objects are the output.
//
// A functionConfig of another kind (a ConfigMap, say) sets the options in
// its data: namespace, fetcherImage, allowHTTPArtifacts ("true"),
// artifactSchemes, artifactMirrors (FROM=TO pairs), and
// removeFlinkDeployments ("true": output the rendered objects in place of
// the FlinkDeployments, for a cluster without the operator's CRD).
const fnUsage = `usage: flink-render fn < resource-list.yaml

Runs flink-render as a KRM function (kustomize, kpt): reads a ResourceList
on standard input and writes it back with the objects of every
FlinkDeployment among its items added, or of the functionConfig when that
is a FlinkDeployment. See docs/kustomize.md.

Examples:
  kustomize build --enable-alpha-plugins --enable-exec examples/kustomize
  kpt fn eval --exec ./flink-render-fn deploy/
`

// runFn is flink-render fn.
func runFn(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stdout, fnUsage)
			return 0
		}
	}
	if len(args) > 0 {
		fmt.Fprint(stderr, fnUsage)
		return 2
	}
	rw := &kio.ByteReadWriter{Reader: stdin, Writer: stdout, KeepReaderAnnotations: true}
	if err := framework.Execute(framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		return processResourceList(rl, stderr)
	}), rw); err != nil {
		fmt.Fprintln(stderr, "flink-render fn:", err)
		return 1
	}
	return 0
}

// processResourceList renders the FlinkDeployments of rl (see above).
// Problems are results of rl, and on stderr, which kustomize shows.
func processResourceList(rl *framework.ResourceList, stderr io.Writer) error {
	opts, remove, err := fnOptions(rl.FunctionConfig)
	if err != nil {
		return err
	}
	var results framework.Results
	report := func(sev framework.Severity, item *kyaml.RNode, e *decode.Error) {
		r := &framework.Result{Severity: sev, Message: e.Message, ResourceRef: refOf(item)}
		if e.Path != "" {
			r.Field = &framework.Field{Path: e.Path}
		}
		if p := pathOf(item); p != "" {
			r.File = &framework.File{Path: p}
		}
		results = append(results, r)
		fmt.Fprintf(stderr, "%s: %s\n", sev, e)
	}
	render := func(item *kyaml.RNode) []*kyaml.RNode {
		name := pathOf(item)
		if name == "" {
			name = refName(item)
		}
		clean := item.Copy()
		clearConfigAnnotations(clean)
		r := renderInput(name, []byte(clean.MustString()), opts)
		for _, w := range r.warnings {
			report(framework.Warning, item, w)
		}
		for _, n := range r.notes {
			report(framework.Info, item, &decode.Error{Message: n})
		}
		for _, e := range r.errs {
			report(framework.Error, item, e)
		}
		out, err := toRNodes(r.objects, pathOf(item))
		if err != nil {
			report(framework.Error, item, &decode.Error{File: name, Message: err.Error()})
		}
		return out
	}

	var kept, added []*kyaml.RNode
	if fc := rl.FunctionConfig; fc != nil && isFlinkDeployment(fc) {
		kept = rl.Items
		added = render(fc)
	} else {
		for _, item := range rl.Items {
			if !isFlinkDeployment(item) || !remove {
				kept = append(kept, item)
			}
			if isFlinkDeployment(item) {
				added = append(added, render(item)...)
			}
		}
	}
	// An object rendered by an earlier run (kpt fn render writes them
	// into the package) is replaced, not doubled.
	fresh := map[string]bool{}
	for _, n := range added {
		fresh[refName(n)] = true
	}
	items := make([]*kyaml.RNode, 0, len(kept)+len(added))
	for _, n := range kept {
		if !fresh[refName(n)] {
			items = append(items, n)
		}
	}
	items = append(items, added...)
	rl.Results = append(rl.Results, results...)
	if results.ExitCode() != 0 {
		// Like the command: no partial output.
		return results
	}
	rl.Items = items
	return nil
}

func isFlinkDeployment(n *kyaml.RNode) bool {
	return n.GetKind() == v1beta1.KindFlinkDeployment && groupOf(n.GetApiVersion()) == v1beta1.GroupVersion.Group
}

// fnOptions reads the options of a functionConfig that is not a
// FlinkDeployment from its data.
func fnOptions(fc *kyaml.RNode) (renderOptions, bool, error) {
	opts := renderOptions{
		namespace: "default",
		context:   renderer.RenderContext{FetcherImage: renderer.DefaultFetcherImage},
	}
	if fc == nil || isFlinkDeployment(fc) {
		return opts, false, nil
	}
	var remove bool
	for k, v := range fc.GetDataMap() {
		var err error
		switch k {
		case "namespace":
			opts.namespace = v
		case "fetcherImage":
			opts.context.FetcherImage = v
		case "allowHTTPArtifacts":
			opts.context.AllowHTTPArtifacts, err = strconv.ParseBool(v)
		case "artifactSchemes":
			opts.context.ArtifactSchemes, err = validation.ParseArtifactSchemes(v)
		case "artifactMirrors":
			opts.context.ArtifactMirrors, err = parseMirrors(v)
		case "removeFlinkDeployments":
			remove, err = strconv.ParseBool(v)
		default:
			err = fmt.Errorf("unknown key; known keys: allowHTTPArtifacts, artifactMirrors, artifactSchemes, fetcherImage, namespace, removeFlinkDeployments")
		}
		if err != nil {
			return opts, false, fmt.Errorf("functionConfig %s data.%s: %w", refName(fc), k, err)
		}
	}
	if err := validation.CheckArtifactMirrors(opts.context.ArtifactMirrors, opts.context.ValidationOptions()); err != nil {
		return opts, false, fmt.Errorf("functionConfig %s data.artifactMirrors: %w", refName(fc), err)
	}
	return opts, remove, nil
}

// parseMirrors reads data.artifactMirrors: FROM=TO pairs, as the operator's
// --artifact-mirror, separated by commas or new lines.
func parseMirrors(v string) (artifact.Mirrors, error) {
	var out artifact.Mirrors
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' }) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		m, err := artifact.ParseMirror(part)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// clearConfigAnnotations removes the annotations kustomize and kpt keep on
// items (path, index, the function itself): they are not the user's, and
// the renderer copies a FlinkDeployment's annotations to some objects.
func clearConfigAnnotations(n *kyaml.RNode) {
	annos := n.GetAnnotations()
	changed := false
	for k := range annos {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
			strings.HasPrefix(k, "config.k8s.io/") {
			delete(annos, k)
			changed = true
		}
	}
	if changed {
		_ = n.SetAnnotations(annos)
	}
}

// toRNodes converts rendered objects into items, each with a path next to
// their FlinkDeployment's file fdPath when it has one (kpt writes items to
// their paths).
func toRNodes(objs []*unstructured.Unstructured, fdPath string) ([]*kyaml.RNode, error) {
	out := make([]*kyaml.RNode, 0, len(objs))
	for _, o := range objs {
		b, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", renderer.ObjectID(o), err)
		}
		n, err := kyaml.Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", renderer.ObjectID(o), err)
		}
		if fdPath != "" {
			p := path.Join(path.Dir(fdPath), renderer.FileName(o, "yaml"))
			if err := n.PipeE(kyaml.SetAnnotation(kioutil.PathAnnotation, p)); err != nil {
				return nil, fmt.Errorf("set the path of %s: %w", renderer.ObjectID(o), err)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

func pathOf(n *kyaml.RNode) string {
	a := n.GetAnnotations()
	if p := a[kioutil.PathAnnotation]; p != "" {
		return p
	}
	return a[kioutil.LegacyPathAnnotation]
}

func refOf(n *kyaml.RNode) *kyaml.ResourceIdentifier {
	return &kyaml.ResourceIdentifier{
		TypeMeta: kyaml.TypeMeta{APIVersion: n.GetApiVersion(), Kind: n.GetKind()},
		NameMeta: kyaml.NameMeta{Name: n.GetName(), Namespace: n.GetNamespace()},
	}
}

func refName(n *kyaml.RNode) string {
	if ns := n.GetNamespace(); ns != "" {
		return n.GetKind() + "/" + ns + "/" + n.GetName()
	}
	return n.GetKind() + "/" + n.GetName()
}
