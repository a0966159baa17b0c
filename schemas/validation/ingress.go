package validation

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The reference operator's template language (apache-operator.md §6): two
// case-insensitive placeholders, and http:// in front when no scheme is given.
var (
	namePlaceholder      = regexp.MustCompile(`(?i)\{\{name\}\}`)
	namespacePlaceholder = regexp.MustCompile(`(?i)\{\{namespace\}\}`)
	httpScheme           = regexp.MustCompile(`(?i)^https?://`)
)

// IngressRule is where spec.ingress.template sends traffic: a host, a path,
// or both. Either may be empty.
type IngressRule struct {
	Host string
	Path string
}

// ResolveIngressTemplate expands spec.ingress.template for a cluster and
// splits it the way the reference operator does (java.net.URL): the host
// becomes the rule's host, the path its path. The path is kept as written
// (not percent-decoded), since path-form templates are often regular
// expressions for an ingress controller's rewrite rules, such as
// /{{namespace}}/{{name}}(/|$)(.*). A query or fragment is dropped.
func ResolveIngressTemplate(template, name, namespace string) (IngressRule, error) {
	s := strings.TrimSpace(template)
	if !httpScheme.MatchString(s) {
		s = "http://" + s
	}
	s = namePlaceholder.ReplaceAllLiteralString(s, name)
	s = namespacePlaceholder.ReplaceAllLiteralString(s, namespace)
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole URL; the caller shows the template.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return IngressRule{}, err
	}
	rule := IngressRule{Host: u.Hostname()}
	// The raw path: everything from the first "/" after the authority up
	// to a query or fragment.
	rest := s[strings.Index(s, "://")+3:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rule.Path = rest[i:]
		if j := strings.IndexAny(rule.Path, "?#"); j >= 0 {
			rule.Path = rule.Path[:j]
		}
	}
	return rule, nil
}

// validateIngress checks spec.ingress. The expanded host is only checked
// when the name and namespace it is built from are valid, so one bad name
// is not reported twice.
func validateIngress(fd *v1beta1.FlinkDeployment, metadataValid bool) field.ErrorList {
	in := fd.Spec.Ingress
	if in == nil {
		return nil
	}
	var errs field.ErrorList
	path := field.NewPath("spec", "ingress")
	tmplPath := path.Child("template")
	switch rule, err := ResolveIngressTemplate(in.Template, fd.Name, fd.Namespace); {
	case strings.TrimSpace(in.Template) == "":
		errs = append(errs, field.Required(tmplPath, "the URL of the Ingress, with {{name}} and {{namespace}} placeholders: a host ({{name}}.{{namespace}}.flink.example.com), a path (/{{namespace}}/{{name}}) or both"))
	case err != nil:
		errs = append(errs, field.Invalid(tmplPath, in.Template, "unable to process the Ingress template: "+err.Error()+"; it is a URL or a path, whose only placeholders are {{name}} and {{namespace}}"))
	case metadataValid && rule.Host != "":
		if msg := ingressHostError(rule.Host); msg != "" {
			errs = append(errs, field.Invalid(tmplPath, in.Template, fmt.Sprintf("the Ingress host %q %s", rule.Host, msg)))
		}
	}
	if in.ClassName != nil {
		for _, msg := range utilvalidation.IsDNS1123Subdomain(*in.ClassName) {
			errs = append(errs, field.Invalid(path.Child("className"), *in.ClassName, msg))
		}
	}
	errs = append(errs, metavalidation.ValidateLabels(in.Labels, path.Child("labels"))...)
	errs = append(errs, apivalidation.ValidateAnnotations(in.Annotations, path.Child("annotations"))...)
	for i, tls := range in.TLS {
		for j, host := range tls.Hosts {
			if msg := ingressHostError(host); msg != "" {
				errs = append(errs, field.Invalid(path.Child("tls").Index(i).Child("hosts").Index(j), host, msg))
			}
		}
		if tls.SecretName != "" {
			for _, msg := range utilvalidation.IsDNS1123Subdomain(tls.SecretName) {
				errs = append(errs, field.Invalid(path.Child("tls").Index(i).Child("secretName"), tls.SecretName, msg))
			}
		}
	}
	return errs
}

// ingressHostError applies the API server's rule for Ingress hosts, so
// flink-render output is never rejected at apply time: a lower-case DNS
// name, optionally a wildcard (*.example.com), never an IP address.
func ingressHostError(host string) string {
	if net.ParseIP(host) != nil {
		return "must be a DNS name, not an IP address"
	}
	var msgs []string
	if strings.Contains(host, "*") {
		msgs = utilvalidation.IsWildcardDNS1123Subdomain(host)
	} else {
		msgs = utilvalidation.IsDNS1123Subdomain(host)
	}
	if len(msgs) == 0 {
		return ""
	}
	return "must be a DNS name: " + strings.Join(msgs, "; ")
}
