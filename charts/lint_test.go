package charts

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestChartLints runs helm lint --strict with every values file.
func TestChartLints(t *testing.T) {
	for _, f := range valuesFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, err := helm(t, "lint", chartDir, "--strict", "--kube-version", kubeVersion, "--namespace", releaseNS, "--values", f)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(out, "0 chart(s) failed") {
				t.Errorf("helm lint output:\n%s", out)
			}
		})
	}
}

// TestEveryValuesFileRenders renders the chart with each values file.
func TestEveryValuesFileRenders(t *testing.T) {
	for _, f := range valuesFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs := mustRender(t, "t", f)
			if len(ofKind(objs, "Deployment")) != 1 {
				t.Errorf("want exactly one Deployment, got %d objects", len(objs))
			}
		})
	}
}

// TestInvalidValuesAreRejected checks that bad values fail rendering with
// a message naming the value and what is allowed.
func TestInvalidValuesAreRejected(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want string
	}{
		{[]string{"replicas=2", "leaderElection.enabled=false"}, "replicas: 2 replicas need leaderElection.enabled=true"},
		{[]string{"replicas=0"}, "/replicas"},
		{[]string{"watchNamespaces[0]=Team_A"}, "/watchNamespaces/0"},
		{[]string{"logLevel=verbose"}, "/logLevel"},
		{[]string{"webhook.failurePolicy=Sometimes"}, "/webhook/failurePolicy"},
		{[]string{"image.digest=latest"}, "/image/digest"},
		{[]string{"fetcher.image.digest=latest"}, "/fetcher/image/digest"},
		{[]string{"fetcher.image.repository="}, "/fetcher/image/repository"},
		{[]string{"leaderElection.leaseDuration=15"}, "/leaderElection/leaseDuration"},
		{[]string{"extraArgs[0]=resync-interval=1s"}, "/extraArgs/0"},
		{[]string{"watchNamespace=team-a"}, "watchNamespace"}, // a typo of watchNamespaces
		{[]string{"metrics.serviceMonitor.enabled=true", "metrics.service.enabled=false"}, "metrics.serviceMonitor.enabled needs metrics.service.enabled"},
		{[]string{"webhook.certManager.issuerRef.name=ca"}, "webhook.certManager.issuerRef is set but webhook.certManager.enabled is false"},
		{[]string{"serviceAccount.create=false"}, "serviceAccount.name is required when serviceAccount.create is false"},
		{[]string{"sessionJobs.enable=true"}, "sessionJobs"},
		{[]string{"fetcher.schemes={ftp}"}, "/fetcher/schemes/0"},
	} {
		_, err := render(t, "t", nil, tc.set...)
		if err == nil {
			t.Errorf("--set %v rendered; want an error naming %q", tc.set, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--set %v: error does not name %q:\n%v", tc.set, tc.want, err)
		}
	}
}
