package renderer

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// buildIngress resolves spec.ingress for the templates. Validation has
// already reported an unusable template; the Ingress then gets neither host
// nor path, and is never rendered because validation failed.
func buildIngress(fd *v1beta1.FlinkDeployment) *ingressInput {
	spec := fd.Spec.Ingress
	in := &ingressInput{}
	if rule, err := validation.ResolveIngressTemplate(spec.Template, fd.Name, fd.Namespace); err == nil {
		in.Host, in.Path = rule.Host, rule.Path
	}
	if spec.ClassName != nil {
		in.ClassName = *spec.ClassName
	}
	for _, tls := range spec.TLS {
		in.TLS = append(in.TLS, ingressTLS{Hosts: tls.Hosts, SecretName: tls.SecretName})
	}
	return in
}

// finishIngress adds spec.ingress.labels and .annotations to the rendered
// Ingress. They are free-form user keys, which the templates never see:
// CUE would intern every key for the life of the process (see
// schemas/input.cue), and an operator renders many clusters. The
// template's labels win, so the operator always finds its Ingress.
func finishIngress(fd *v1beta1.FlinkDeployment, u *unstructured.Unstructured) {
	spec := fd.Spec.Ingress
	if spec == nil {
		return
	}
	if len(spec.Labels) > 0 {
		labels := make(map[string]string, len(spec.Labels)+3)
		for k, v := range spec.Labels {
			labels[k] = v
		}
		for k, v := range u.GetLabels() {
			labels[k] = v
		}
		u.SetLabels(labels)
	}
	if len(spec.Annotations) > 0 {
		annotations := make(map[string]string, len(spec.Annotations))
		for k, v := range spec.Annotations {
			annotations[k] = v
		}
		u.SetAnnotations(annotations)
	}
}
