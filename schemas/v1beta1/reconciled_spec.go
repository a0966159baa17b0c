package v1beta1

import (
	"encoding/json"
	"fmt"
)

// reconciledSpec is the format of status.reconciliationStatus.lastReconciledSpec,
// {"spec": {...}, "resource_metadata": {...}}: the same JSON the reference
// operator writes, so tools that read it work here too.
type reconciledSpec struct {
	Spec     *FlinkDeploymentSpec `json:"spec"`
	Metadata reconciledMetadata   `json:"resource_metadata"`
}

type reconciledMetadata struct {
	APIVersion      string `json:"apiVersion"`
	FirstDeployment bool   `json:"firstDeployment"`
}

// EncodeReconciledSpec writes spec as lastReconciledSpec; first marks the
// first deployment.
func EncodeReconciledSpec(spec FlinkDeploymentSpec, first bool) (string, error) {
	b, err := json.Marshal(reconciledSpec{Spec: &spec, Metadata: reconciledMetadata{APIVersion: GroupVersion.String(), FirstDeployment: first}})
	if err != nil {
		return "", fmt.Errorf("encode status.reconciliationStatus.lastReconciledSpec: %w", err)
	}
	return string(b), nil
}

// DecodeReconciledSpec reads lastReconciledSpec as written, without
// defaults, and whether the first deployment recorded it. A record without
// a spec is an error: taken as an empty spec, it would look like a change
// of every field.
func DecodeReconciledSpec(raw string) (*FlinkDeploymentSpec, bool, error) {
	var rs reconciledSpec
	if err := json.Unmarshal([]byte(raw), &rs); err != nil {
		return nil, false, fmt.Errorf("decode status.reconciliationStatus.lastReconciledSpec: %w", err)
	}
	if rs.Spec == nil {
		return nil, false, fmt.Errorf("decode status.reconciliationStatus.lastReconciledSpec: no spec in it")
	}
	return rs.Spec, rs.Metadata.FirstDeployment, nil
}

// ParseReconciledSpec is DecodeReconciledSpec for readers that need only
// the spec; it returns nil, nil when raw is empty (nothing deployed yet).
func ParseReconciledSpec(raw string) (*FlinkDeploymentSpec, error) {
	if raw == "" {
		return nil, nil
	}
	spec, _, err := DecodeReconciledSpec(raw)
	return spec, err
}
