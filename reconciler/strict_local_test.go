package reconciler

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// refusingReader fails every read, counting them.
type refusingReader struct{ reads int }

func (r *refusingReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	r.reads++
	return errors.New("no API server in this test")
}

func (r *refusingReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	r.reads++
	return errors.New("no API server in this test")
}

// TestStrictCheckWithoutPodTemplateReadsNothingAndFindsWhatTheStoredSpecHas:
// a spec without a pod template is checked from the typed object, which
// then holds the spec as stored (strict.go), so the check makes no
// request; every valid example and golden input, its pod templates
// dropped, passes it as it passes flink-render's own decoding. A spec with a
// pod template is still read from the API server.
func TestStrictCheckWithoutPodTemplateReadsNothingAndFindsWhatTheStoredSpecHas(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := filepath.Glob("../golden/*/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, golden...)
	checked := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := decode.Object(data); len(errs) > 0 {
			continue // an input that flink-render refuses on purpose
		}
		fd := &v1beta1.FlinkDeployment{}
		if err := yaml.Unmarshal(data, fd); err != nil || fd.Kind != v1beta1.KindFlinkDeployment {
			continue
		}
		// A copy from the cache may carry no TypeMeta.
		fd.APIVersion, fd.Kind = "", ""
		reader := &refusingReader{}
		r := &Reconciler{APIReader: reader}
		withTemplate := hasPodTemplate(&fd.Spec)
		fd.Spec.PodTemplate = nil
		if fd.Spec.JobManager != nil {
			fd.Spec.JobManager.PodTemplate = nil
		}
		if fd.Spec.TaskManager != nil {
			fd.Spec.TaskManager.PodTemplate = nil
		}
		problem, err := r.strictProblem(context.Background(), fd)
		if err != nil || problem != "" || reader.reads != 0 {
			t.Errorf("%s: problem %q, error %v, %d reads; want none", path, problem, err, reader.reads)
		}
		checked++
		if withTemplate {
			fd.Generation++
			fd.Spec.PodTemplate = &v1beta1.PodTemplate{}
			if _, err := r.strictProblem(context.Background(), fd); err == nil || reader.reads != 1 {
				t.Errorf("%s with a pod template: error %v after %d reads; want the API server read", path, err, reader.reads)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d FlinkDeployments checked", checked)
	}
}
