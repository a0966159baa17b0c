package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/planner"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The output of kustomize build and the files of an Argo CD app hold other
// kinds besides FlinkDeployments. splitKinds separates them before the
// strict decoder (schemas/decode), which refuses anything but a
// FlinkDeployment, sees the input:
//
//   - a FlinkDeployment, and anything the decoder must judge (no kind, an
//     unknown kind of flink.apache.org, a document that is not a mapping,
//     invalid YAML), stays in the text given to the renderer, at its lines,
//     so that errors point where they did;
//   - another kind passes through unchanged (as data: keys may be
//     re-ordered and comments dropped);
//   - a FlinkSessionJob goes to a text of its own, at its lines, which
//     the session-job decoder reads (planner.SessionJobs);
//   - the other kinds of flink.apache.org that this project does not handle
//     yet (FlinkStateSnapshot, FlinkBlueGreenDeployment) pass through too,
//     with a note;
//   - a kind: List is flattened, as kubectl and kustomize do: each item is
//     judged as a document of its own, and a FlinkDeployment or
//     FlinkSessionJob among them is rendered.
//
// With strict, nothing is separated: every document goes to the decoder,
// which refuses other kinds, FlinkSessionJob included, as it always did
// (--strict-kinds).

// split is what splitKinds makes of one input.
type split struct {
	// flink is the input with every passed-through document blanked
	// (its lines kept empty, so that errors keep their line numbers);
	// nil when every document passed through, so that a file of other
	// kinds alone is not taken for an empty one.
	flink []byte
	// items are FlinkDeployments found in a kind: List, each re-encoded
	// as a document of its own at the line of its item.
	items [][]byte
	// sessionJobs is the input with every document but its
	// FlinkSessionJobs blanked; nil when it has none. sessionJobItems are
	// those of a kind: List, as items are.
	sessionJobs     []byte
	sessionJobItems [][]byte
	// sessions are the FlinkDeployments of the input, which session jobs
	// may name.
	sessions []sessionRef
	// other are the passed-through objects, in input order.
	other []*unstructured.Unstructured
	// notes say which objects of flink.apache.org were not rendered.
	notes []string
}

// splitKinds separates the documents of one input (see above).
func splitKinds(name string, data []byte, strict bool) (*split, error) {
	s := &split{flink: data}
	if strict {
		return s, nil
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	type docSpan struct {
		node  *yaml.Node
		start int // 1-based line of its content
	}
	var docs []docSpan
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// Invalid YAML: the decoder reports it, with the whole
			// input as it is.
			return &split{flink: data}, nil
		}
		if node.Kind != yaml.DocumentNode || len(node.Content) == 0 {
			continue
		}
		docs = append(docs, docSpan{node: node.Content[0], start: node.Content[0].Line})
	}
	// Each line goes to the text for the decoder (flink) or to the
	// session jobs' text, or to neither (passed through).
	const (
		toFlink = iota
		toNeither
		toSessionJobs
	)
	dest := make([]int, len(lines)+1)
	kept, sessionJobs := 0, 0
	for i, d := range docs {
		apiVersion, kind := typeOf(d.node)
		to := toFlink
		switch {
		case apiVersion == "v1" && kind == "List":
			to = toNeither
			items := listItems(d.node)
			for _, item := range items {
				if err := s.judge(name, item, lines); err != nil {
					return nil, err
				}
			}
		case isSessionJob(d.node):
			to = toSessionJobs
			sessionJobs++
		default:
			pass, err := s.pass(name, d.node)
			if err != nil {
				return nil, err
			}
			if pass {
				to = toNeither
			}
		}
		if to == toFlink {
			kept++
			s.noteSession(d.node)
		}
		// From the document's first line up to the next one's: the
		// separator before the next document goes too, which leaves
		// the next document's lines where they were.
		end := len(lines)
		if i+1 < len(docs) {
			end = docs[i+1].start - 1
		}
		for l := d.start; l <= end; l++ {
			dest[l] = to
		}
	}
	s.flink = keepLines(lines, dest, toFlink) // never nil: an empty input is reported as such
	if kept == 0 && len(docs) > 0 {
		s.flink = nil
	}
	if sessionJobs > 0 {
		s.sessionJobs = keepLines(lines, dest, toSessionJobs)
	}
	return s, nil
}

// keepLines is lines with those whose dest is not to blanked: empty, but
// there, so that errors keep their line numbers. The lines before the
// first document (comments) go with the decoder's text.
func keepLines(lines [][]byte, dest []int, to int) []byte {
	var out bytes.Buffer
	for i, l := range lines {
		if dest[i+1] != to {
			if bytes.HasSuffix(l, []byte("\n")) {
				out.WriteByte('\n')
			}
			continue
		}
		out.Write(l)
	}
	return append([]byte{}, out.Bytes()...)
}

// isSessionJob: node is a FlinkSessionJob.
func isSessionJob(node *yaml.Node) bool {
	apiVersion, kind := typeOf(node)
	return node.Kind == yaml.MappingNode && groupOf(apiVersion) == v1beta1.GroupVersion.Group && kind == v1beta1.KindFlinkSessionJob
}

// sessionRef is a FlinkDeployment of the input as the session of a
// FlinkSessionJob (its namespace "" when it names none).
type sessionRef struct {
	namespace, name string
	cluster         planner.SessionCluster
}

// noteSession records node when it is a FlinkDeployment, read from its
// YAML: the decoder reads it too, and judges it.
func (s *split) noteSession(node *yaml.Node) {
	apiVersion, kind := typeOf(node)
	if groupOf(apiVersion) != v1beta1.GroupVersion.Group || kind != v1beta1.KindFlinkDeployment {
		return
	}
	ref := sessionRef{}
	md, spec := child(node, "metadata"), child(node, "spec")
	if n := child(md, "name"); n != nil {
		ref.name = n.Value
	}
	if n := child(md, "namespace"); n != nil {
		ref.namespace = n.Value
	}
	if v := child(spec, "flinkVersion"); v != nil {
		ref.cluster.FlinkVersion = v1beta1.FlinkVersion(v.Value)
	}
	if job := child(spec, "job"); job != nil && job.Tag != "!!null" {
		ref.cluster.Application = true
	}
	s.sessions = append(s.sessions, ref)
}

// child is the value of key in a mapping, nil when it has none.
func child(node *yaml.Node, key string) *yaml.Node {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return node.Content[i+1]
		}
	}
	return nil
}

// pass decides a top-level document: true when it passes through (and is
// then recorded in s.other).
func (s *split) pass(name string, node *yaml.Node) (bool, error) {
	apiVersion, kind := typeOf(node)
	switch {
	case node.Kind != yaml.MappingNode || apiVersion == "" || kind == "":
		return false, nil
	case groupOf(apiVersion) == v1beta1.GroupVersion.Group:
		switch kind {
		case v1beta1.KindFlinkStateSnapshot, v1beta1.KindFlinkBlueGreenDeployment:
			s.notes = append(s.notes, fmt.Sprintf("%s:%d: %s: flink-operator does not handle kind %s yet (only FlinkDeployment and FlinkSessionJob)",
				name, kindLine(node), nameOf(node), kind))
		default:
			// FlinkDeployment, or a kind of the group that does not
			// exist: the decoder judges it.
			return false, nil
		}
	}
	obj, err := toObject(node)
	if err != nil {
		return false, fmt.Errorf("%s:%d: read %s %s to pass it through: %w", name, node.Line, kind, nameOf(node), err)
	}
	s.other = append(s.other, obj)
	return true, nil
}

// judge decides an item of a kind: List: one the decoder must judge, or
// a FlinkSessionJob, is re-encoded as a document of its own, at the line
// of the item.
func (s *split) judge(name string, item *yaml.Node, lines [][]byte) error {
	sessionJob := isSessionJob(item)
	if !sessionJob {
		pass, err := s.pass(name, item)
		if err != nil || pass {
			return err
		}
		s.noteSession(item)
	}
	var buf bytes.Buffer
	buf.WriteString(strings.Repeat("\n", max(item.Line-1, 0)))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(item); err != nil {
		return fmt.Errorf("%s:%d: read a kind: List item: %w", name, item.Line, err)
	}
	if sessionJob {
		s.sessionJobItems = append(s.sessionJobItems, buf.Bytes())
	} else {
		s.items = append(s.items, buf.Bytes())
	}
	return nil
}

// typeOf is the apiVersion and kind of a mapping, "" where missing.
func typeOf(node *yaml.Node) (apiVersion, kind string) {
	if node.Kind != yaml.MappingNode {
		return "", ""
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		switch k.Value {
		case "apiVersion":
			apiVersion = v.Value
		case "kind":
			kind = v.Value
		}
	}
	return apiVersion, kind
}

// kindLine is the line of a mapping's kind, where notes point.
func kindLine(node *yaml.Node) int {
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == "kind" {
			return node.Content[i].Line
		}
	}
	return node.Line
}

func listItems(node *yaml.Node) []*yaml.Node {
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == "items" && node.Content[i+1].Kind == yaml.SequenceNode {
			return node.Content[i+1].Content
		}
	}
	return nil
}

func groupOf(apiVersion string) string {
	if g, _, found := strings.Cut(apiVersion, "/"); found {
		return g
	}
	return "" // the core group: v1
}

// nameOf is namespace/name of a mapping for notes, as far as it has them.
func nameOf(node *yaml.Node) string {
	_, kind := typeOf(node)
	var ns, n string
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value != "metadata" {
			continue
		}
		md := node.Content[i+1]
		for j := 0; j+1 < len(md.Content); j += 2 {
			switch md.Content[j].Value {
			case "name":
				n = md.Content[j+1].Value
			case "namespace":
				ns = md.Content[j+1].Value
			}
		}
	}
	if ns != "" {
		n = ns + "/" + n
	}
	return kind + "/" + n
}

// toObject reads a YAML mapping as the unstructured object kubectl would.
func toObject(node *yaml.Node) (*unstructured.Unstructured, error) {
	b, err := yaml.Marshal(node)
	if err != nil {
		return nil, err
	}
	j, err := sigsyaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		return nil, err
	}
	return u, nil
}
