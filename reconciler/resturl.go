package reconciler

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// DefaultRESTURLTemplate reaches a JobManager through its REST Service from
// inside the cluster.
const DefaultRESTURLTemplate = "http://{{name}}-rest.{{namespace}}.svc:8081"

// RESTURL expands a REST URL template for one FlinkDeployment. Every Flink
// REST path is appended to the result.
func RESTURL(template, namespace, name string) string {
	r := strings.NewReplacer("{{name}}", name, "{{namespace}}", namespace)
	return strings.TrimSuffix(r.Replace(template), "/")
}

// httpsURL turns an http URL into https, for a JobManager that serves
// REST over TLS (security.ssl.rest.enabled): the template names one
// scheme for every FlinkDeployment, and each one's configuration decides.
// The reference operator needs no such step, since Flink's RestClient
// picks TLS from the configuration whatever its address says.
func httpsURL(u string) string {
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		return "https://" + rest
	}
	return u
}

// ValidateRESTURLTemplate rejects templates that cannot give a usable URL.
func ValidateRESTURLTemplate(template string) error {
	u, err := url.Parse(RESTURL(template, "ns", "name"))
	if err != nil {
		return fmt.Errorf("--rest-url-template %q: %w", template, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("--rest-url-template %q: must be an http or https URL with a host, such as %s", template, DefaultRESTURLTemplate)
	}
	if !strings.Contains(template, "{{name}}") {
		return fmt.Errorf("--rest-url-template %q: must contain {{name}} so each FlinkDeployment gets its own JobManager", template)
	}
	return nil
}

// restClient is a REST client for fd's JobManager at url, speaking the
// request shapes of fd's Flink version. Its TLS settings come from running,
// the spec the JobManager was deployed with (fd's own when none is
// recorded): a spec edit that turns TLS on or off changes nothing until
// the new JobManager serves it. One exception: security.ssl.verify-hostname
// is off when either spec turns it off. A user who finds that the running
// JobManager's certificate does not name the Service edits the spec to say
// so; the upgrade that edit starts needs a savepoint from that very
// JobManager, which the deployed spec alone would never let the operator
// reach.
func (r *Reconciler) restClient(fd *v1beta1.FlinkDeployment, running *v1beta1.FlinkDeploymentSpec, url string) *flinkrest.Client {
	opts := []flinkrest.Option{flinkrest.WithTimeout(5 * time.Second), flinkrest.WithRetry(1, 0),
		flinkrest.WithErrorObserver(metrics.CountRESTError)}
	if r.HTTPClient != nil {
		opts = append(opts, flinkrest.WithHTTPClient(r.HTTPClient))
	}
	if running == nil {
		running = &fd.Spec
	}
	if settings := flinkconf.Read(running).RESTTLS; settings.Enabled {
		if running != &fd.Spec && !flinkconf.Read(&fd.Spec).RESTTLS.VerifyHostname {
			settings.VerifyHostname = false
		}
		url = httpsURL(url)
		hc, err := r.restTLS.For(settings)
		if err != nil {
			err = objref.Of("FlinkDeployment", fd).Errorf("set up TLS for the REST API (%s is true): %w", settings.Key, err)
		}
		opts = append(opts, flinkrest.WithHTTPClient(hc), flinkrest.WithSetupError(err))
	}
	return flinkrest.New(url, string(fd.Spec.FlinkVersion), opts...)
}
