package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
)

// TestStartupRefusesACRDThatPrunesTheUpgradeRecord installs, on a real API
// server, a FlinkDeployment CRD without this project's status fields (as
// the Apache operator's is): the check refuses with the command to run.
// The project's own CRD passes.
func TestStartupRefusesACRDThatPrunesTheUpgradeRecord(t *testing.T) {
	own := filepath.Join(testenv.RepoRoot(), "charts", "flink-operator", "crds", "flink.apache.org_flinkdeployments.yaml")
	raw, err := os.ReadFile(own)
	if err != nil {
		t.Fatal(err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	for _, v := range crd["spec"].(map[string]any)["versions"].([]any) {
		props := v.(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)["properties"].(map[string]any)
		status := props["status"].(map[string]any)["properties"].(map[string]any)
		for _, f := range writeAheadFields {
			delete(status, f)
		}
	}
	stripped, err := yaml.Marshal(crd)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "apache-crd.yaml"), stripped, 0o644); err != nil {
		t.Fatal(err)
	}

	env, err := testenv.Start(testenv.WithCRDPaths(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	err = checkInstalledCRD(context.Background(), env.Config, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	var refused *errCRDMissingFields
	if !errors.As(err, &refused) {
		t.Fatalf("a CRD without the write-ahead status fields was accepted: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"status.upgrade, status.deployedWith, status.savepointTrigger, status.highAvailability", "kubectl apply --server-side",
		"helm show crds", "flinkdeployments.flink.apache.org", "Refusing to start"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "status.upgrade.") {
		t.Errorf("sub-fields of a missing field are listed too: %s", msg)
	}

	// The project's own CRD, on the API server the other tests use.
	ownEnv, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ownEnv.Stop() })
	if err := checkInstalledCRD(context.Background(), ownEnv.Config, func(msg string) { t.Errorf("unexpected warning: %s", msg) }); err != nil {
		t.Errorf("the project's own CRD was refused: %v", err)
	}
}

// TestMissingFields covers what the API server keeps: a declared field,
// and anything under x-kubernetes-preserve-unknown-fields.
func TestMissingFields(t *testing.T) {
	paths := requiredStatusFields()
	if len(paths) <= len(writeAheadFields) {
		t.Fatalf("no sub-fields found: %v", paths)
	}
	if got := missingFields(map[string]any{"x-kubernetes-preserve-unknown-fields": true}, paths); len(got) != 0 {
		t.Errorf("a status that keeps unknown fields prunes %v", got)
	}
	older := map[string]any{"properties": map[string]any{
		"upgrade":          map[string]any{"properties": map[string]any{"phase": map[string]any{}}},
		"deployedWith":     map[string]any{"x-kubernetes-preserve-unknown-fields": true},
		"savepointTrigger": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true},
	}}
	got := missingFields(older, paths)
	if !strings.Contains(strings.Join(got, ","), "status.upgrade.takeDownOverdue") || !strings.Contains(strings.Join(got, ","), "status.highAvailability") {
		t.Errorf("an older schema's gaps not found: %v", got)
	}
	for _, g := range got {
		if strings.HasPrefix(g, "status.deployedWith") || strings.HasPrefix(g, "status.savepointTrigger") || g == "status.upgrade.phase" {
			t.Errorf("%s is kept by the schema but reported missing", g)
		}
	}
}
