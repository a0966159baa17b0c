// Package webhook is the validating admission webhook for FlinkDeployments.
// It refuses, at kubectl apply time, what the operator would otherwise only
// report in status: it runs the checks flink-render runs (strict decoding,
// validation, rendering) plus the spec transition rules against the last
// deployed spec, and denies with every problem, each naming its field.
//
// With --session-jobs it also validates FlinkSessionJobs
// (SessionJobValidator) and, as a mutating webhook, labels them
// target.session=<spec.deploymentName> (SessionJobLabeler).
//
// Serving certificates come from a folder (cert-manager) or from
// SelfSignedCertificates, which keeps a CA and a serving certificate in a
// Secret and the CA in the caBundle of the ValidatingWebhookConfiguration
// (and of the MutatingWebhookConfiguration, when there is one).
package webhook
