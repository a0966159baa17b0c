package gate

import (
	"encoding/json"
	"fmt"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// reconciledSpec is the format of status.reconciliationStatus.lastReconciledSpec,
// the same JSON the reference operator writes, so tools reading it work.
type reconciledSpec struct {
	Spec     v1beta1.FlinkDeploymentSpec `json:"spec"`
	Metadata reconciledMetadata          `json:"resource_metadata"`
}

type reconciledMetadata struct {
	APIVersion      string `json:"apiVersion"`
	FirstDeployment bool   `json:"firstDeployment"`
}

// EncodeReconciledSpec writes spec as lastReconciledSpec; first marks the
// first deployment.
func EncodeReconciledSpec(spec v1beta1.FlinkDeploymentSpec, first bool) (string, error) {
	b, err := json.Marshal(reconciledSpec{Spec: spec, Metadata: reconciledMetadata{APIVersion: v1beta1.GroupVersion.String(), FirstDeployment: first}})
	if err != nil {
		return "", fmt.Errorf("encode lastReconciledSpec: %w", err)
	}
	return string(b), nil
}

// DecodeReconciledSpec reads lastReconciledSpec as written, without
// defaults, and whether the first deployment recorded it.
func DecodeReconciledSpec(raw string) (*v1beta1.FlinkDeploymentSpec, bool, error) {
	var rs reconciledSpec
	if err := json.Unmarshal([]byte(raw), &rs); err != nil {
		return nil, false, fmt.Errorf("decode status.reconciliationStatus.lastReconciledSpec: %w", err)
	}
	return &rs.Spec, rs.Metadata.FirstDeployment, nil
}
