package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/flinkops/flink-operator/internal/testing/testenv"
)

// TestOperatorDoesNotLinkTheFetcher keeps the cloud downloads (package
// fetcher, the AWS SDK, Google's credential libraries) in flink-fetch: for
// FlinkDeployments the operator only renders the init container, and
// every package it links costs resident memory in each replica. For
// session jobs it fetches https jars itself, through package httpfetch,
// which the test requires it to link (so the check above is not met by
// dropping the fetch). Test support (the API server helper, the fake
// JobManager) must never be linked either.
func TestOperatorDoesNotLinkTheFetcher(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./cmd/flink-operator")
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/flink-operator: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list named only %d packages; the check would prove nothing", len(deps))
	}
	linked := map[string]bool{}
	for _, p := range deps {
		linked[p] = true
		switch {
		case p == "github.com/flinkops/flink-operator/fetcher",
			strings.HasPrefix(p, "github.com/aws/"),
			strings.HasPrefix(p, "cloud.google.com/"),
			strings.HasPrefix(p, "golang.org/x/oauth2/google"):
			t.Errorf("flink-operator links %s, which only flink-fetch needs", p)
		case strings.HasPrefix(p, "github.com/flinkops/flink-operator/internal/testing/"):
			t.Errorf("flink-operator links %s, which is test support", p)
		}
	}
	for _, p := range []string{
		"github.com/flinkops/flink-operator/fetcher/httpfetch",
		"github.com/flinkops/flink-operator/reconciler/sessionjob/jarfetch",
	} {
		if !linked[p] {
			t.Errorf("flink-operator does not link %s: session jobs would have no jar fetcher", p)
		}
	}
}
