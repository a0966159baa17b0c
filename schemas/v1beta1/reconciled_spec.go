package v1beta1

import (
	"encoding/json"
	"fmt"
)

// ParseReconciledSpec reads the spec out of
// status.reconciliationStatus.lastReconciledSpec, which holds
// {"spec": {...}, "resource_metadata": {...}} as in the reference operator.
// It returns nil, nil when raw is empty (nothing deployed yet).
func ParseReconciledSpec(raw string) (*FlinkDeploymentSpec, error) {
	if raw == "" {
		return nil, nil
	}
	var doc struct {
		Spec *FlinkDeploymentSpec `json:"spec"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return nil, fmt.Errorf("decode status.reconciliationStatus.lastReconciledSpec: %w", err)
	}
	if doc.Spec == nil {
		return nil, fmt.Errorf("decode status.reconciliationStatus.lastReconciledSpec: no spec in it")
	}
	return doc.Spec, nil
}
