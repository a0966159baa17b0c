// Package webhook is the validating admission webhook for FlinkDeployments.
// It refuses, at kubectl apply time, what the operator would otherwise only
// report in status: it runs the checks flink-render runs (strict decoding,
// validation, rendering) plus the spec transition rules against the last
// deployed spec, and denies with every problem, each naming its field.
//
// Serving certificates come from a folder (cert-manager) or from
// SelfSignedCertificates, which keeps a CA and a serving certificate in a
// Secret and the CA in the ValidatingWebhookConfiguration's caBundle.
package webhook
