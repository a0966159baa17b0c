package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/planner"
)

// A FlinkSessionJob has no Kubernetes objects of its own: flink-render
// prints the job submission the operator makes for it instead
// (planner.Submission), in a form no kubectl apply or Argo CD sync takes
// for an object:
//
//   - YAML: after the objects, one document per session job that is all
//     comments, headed "# FlinkSessionJob namespace/name", whose lines
//     without their "# " are the submission as YAML. kubectl and kustomize
//     skip a document of comments, so flink-render FILE | kubectl diff -f -
//     works as before;
//   - JSON: the List's items are the objects, as before; its
//     jobSubmissions, which kubectl ignores, the submissions;
//   - --output-dir: a file of the YAML document per session job,
//     <namespace>_flinksessionjob_<name>.yaml in either format.

// submissionYAML is the comment document of a submission.
func submissionYAML(s planner.Submission) ([]byte, error) {
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode the submission of FlinkSessionJob %s/%s: %w", s.Namespace, s.Name, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "---\n# FlinkSessionJob %s/%s\n", s.Namespace, s.Name)
	fmt.Fprintf(&b, "# JobSubmission: the run flink-operator sends to the JobManager of session %s/%s\n", s.Namespace, s.Session)
	b.WriteString("# (POST /jars/:jarid/run); a REST request, not a Kubernetes object, so nothing here is applied.\n")
	for _, l := range strings.SplitAfter(strings.TrimSuffix(body.String(), "\n"), "\n") {
		b.WriteString("# " + l)
	}
	b.WriteString("\n")
	return b.Bytes(), nil
}

// submissionsYAML are the comment documents of subs.
func submissionsYAML(subs []planner.Submission) ([]byte, error) {
	var b bytes.Buffer
	for _, s := range subs {
		out, err := submissionYAML(s)
		if err != nil {
			return nil, err
		}
		b.Write(out)
	}
	return b.Bytes(), nil
}

// encodeJSON is the List of objs, with subs as its jobSubmissions when
// there are any (renderer.EncodeJSON's bytes when there are none).
func encodeJSON(objs []*unstructured.Unstructured, subs []planner.Submission) ([]byte, error) {
	items := make([]map[string]any, len(objs))
	for i, o := range objs {
		items[i] = o.Object
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
	if len(subs) > 0 {
		list["jobSubmissions"] = subs
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode list: %w", err)
	}
	return append(b, '\n'), nil
}
