package charts

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

// chartValues is the part of a values file the tests reason about.
type chartValues struct {
	WatchNamespaces []string `json:"watchNamespaces"`
	LabelSelector   string   `json:"labelSelector"`
	Replicas        *int     `json:"replicas"`
	Webhook         struct {
		Enabled     bool `json:"enabled"`
		CertManager struct {
			Enabled bool `json:"enabled"`
		} `json:"certManager"`
	} `json:"webhook"`
}

func readValues(t *testing.T, file string) chartValues {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v chartValues
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return v
}
