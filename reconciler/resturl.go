package reconciler

import (
	"fmt"
	"net/url"
	"strings"
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
