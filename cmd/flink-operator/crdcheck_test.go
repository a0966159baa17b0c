package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
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
	env := startWithEditedCRD(t, func(status map[string]any) {
		for _, f := range writeAheadFields {
			delete(status, f)
		}
	})
	err := checkInstalledCRD(context.Background(), env.Config, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	var refused *errCRDMissingFields
	if !errors.As(err, &refused) {
		t.Fatalf("a CRD without the write-ahead status fields was accepted: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"status.upgrade, status.deployedWith, status.savepointTrigger, status.highAvailability, status.sessionUpgrade", "kubectl apply --server-side",
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

// TestStartupRefusesAnEarlierReleasesIntegerTimes installs, on a real API
// server, this project's CRD as an earlier release had it: the write-ahead
// record's times as integers. This release writes RFC 3339 strings there,
// which that schema refuses on every status write, so the operator could
// never record an upgrade; it refuses to start and says why.
func TestStartupRefusesAnEarlierReleasesIntegerTimes(t *testing.T) {
	paths := timestampFields()
	if !slices.Contains(paths, "upgrade.triggerTimestamp") || !slices.Contains(paths, "savepointTrigger.firstTriggerTimestamp") {
		t.Fatalf("the write-ahead record's times are not all found: %v", paths)
	}
	env := startWithEditedCRD(t, func(status map[string]any) {
		for _, path := range paths {
			node := status
			parts := strings.Split(path, ".")
			for _, part := range parts[:len(parts)-1] {
				node = node[part].(map[string]any)["properties"].(map[string]any)
			}
			node[parts[len(parts)-1]] = map[string]any{"type": "integer", "format": "int64"}
		}
	})
	err := checkInstalledCRD(context.Background(), env.Config, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	var refused *errCRDMissingFields
	if !errors.As(err, &refused) {
		t.Fatalf("a CRD with integer times was accepted: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"status.upgrade.triggerTimestamp", "status.savepointTrigger.firstTriggerTimestamp", "RFC 3339", "Refusing to start", "kubectl apply --server-side"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "lacks") {
		t.Errorf("no field is missing, yet the refusal says one is: %s", msg)
	}
}

// startWithEditedCRD starts an API server with the project's own
// FlinkDeployment CRD, its v1beta1 status properties changed by edit.
func startWithEditedCRD(t *testing.T, edit func(status map[string]any)) *testenv.Env {
	t.Helper()
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
		edit(props["status"].(map[string]any)["properties"].(map[string]any))
	}
	edited, err := yaml.Marshal(crd)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crd.yaml"), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	env, err := testenv.Start(testenv.WithCRDPaths(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	return env
}
