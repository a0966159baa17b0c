package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/webhook"
)

// webhookOptions configure the validating admission webhook.
type webhookOptions struct {
	enabled bool
	port    int
	// certDir holds tls.crt and tls.key (a cert-manager Secret mounted
	// there); empty means the operator keeps its own self-signed ones.
	certDir       string
	certSecret    string
	namespace     string
	service       string
	configuration string
	// mutatingConfiguration is the MutatingWebhookConfiguration of the
	// FlinkSessionJob label, whose caBundle the operator keeps current too.
	mutatingConfiguration string
	extraHosts            string
	// sessionJobs serves the FlinkSessionJob webhooks too (--session-jobs).
	sessionJobs bool
	// renderContext is what the reconciler renders with, so that the
	// webhook accepts exactly what the operator can deploy.
	renderContext renderer.RenderContext
}

func addWebhookFlags(fs *flag.FlagSet, o *webhookOptions) {
	fs.BoolVar(&o.enabled, "webhook", false, "serve the validating admission webhook for FlinkDeployments (with --session-jobs, also the validating and the labelling webhook for FlinkSessionJobs)")
	fs.IntVar(&o.port, "webhook-port", 9443, "port of the webhook's HTTPS server")
	fs.StringVar(&o.certDir, "webhook-cert-dir", "", "folder holding the webhook's tls.crt and tls.key (for example a cert-manager Secret), reloaded when they change; empty: the operator keeps a self-signed CA and certificate in --webhook-cert-secret and puts the CA into --webhook-configuration")
	fs.StringVar(&o.certSecret, "webhook-cert-secret", "flink-operator-webhook-cert", "Secret in --webhook-namespace holding the self-signed CA and serving certificate, shared by all replicas")
	fs.StringVar(&o.namespace, "webhook-namespace", "", "namespace of the webhook Service and certificate Secret (default: $POD_NAMESPACE)")
	fs.StringVar(&o.service, "webhook-service", "flink-operator-webhook", "Service through which the API server calls the webhook; its DNS names go into the self-signed certificate")
	fs.StringVar(&o.configuration, "webhook-configuration", "flink-operator-webhook", "ValidatingWebhookConfiguration whose caBundle the operator keeps current (self-signed certificates only)")
	fs.StringVar(&o.mutatingConfiguration, "webhook-mutating-configuration", "", "MutatingWebhookConfiguration (the FlinkSessionJob label, with --session-jobs) whose caBundle the operator keeps current too (self-signed certificates only); empty: none")
	fs.StringVar(&o.extraHosts, "webhook-cert-extra-hosts", "", "comma-separated extra DNS names or IP addresses for the self-signed certificate (a webhook reached by URL)")
}

// setupWebhook adds the webhook server, and with self-signed certificates
// their keeper, to the manager. Both run on every replica, leader or not.
func setupWebhook(mgr manager.Manager, o *webhookOptions) error {
	if !o.enabled {
		return nil
	}
	srvOpts := ctrlwebhook.Options{Port: o.port, CertDir: o.certDir}
	if o.certDir == "" {
		certs, err := selfSignedCertificates(mgr, o)
		if err != nil {
			return err
		}
		if err := mgr.Add(certs); err != nil {
			return fmt.Errorf("add webhook certificate keeper: %w", err)
		}
		srvOpts.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.GetCertificate = certs.GetCertificate }}
		if err := mgr.AddReadyzCheck("webhook-certificate", certs.Ready); err != nil {
			return fmt.Errorf("add webhook certificate readiness check: %w", err)
		}
	}
	srv := ctrlwebhook.NewServer(srvOpts)
	webhook.Register(srv, webhook.NewValidator(webhook.Options{RenderContext: o.renderContext}))
	if o.sessionJobs {
		// FlinkSessionJobs: validation, and the target.session label.
		webhook.RegisterSessionJobs(srv, webhook.NewSessionJobValidator(webhook.Options{RenderContext: o.renderContext}))
	}
	if err := mgr.Add(srv); err != nil {
		return fmt.Errorf("add webhook server: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhook", srv.StartedChecker()); err != nil {
		return fmt.Errorf("add webhook readiness check: %w", err)
	}
	return nil
}

func selfSignedCertificates(mgr manager.Manager, o *webhookOptions) (*webhook.SelfSignedCertificates, error) {
	ns := o.namespace
	if ns == "" {
		ns = os.Getenv("POD_NAMESPACE")
	}
	if ns == "" {
		return nil, fmt.Errorf("--webhook-namespace is not set and neither is POD_NAMESPACE: the self-signed webhook certificate needs the namespace of its Secret and Service")
	}
	// Read the Secret directly: the manager's cached client would list and
	// watch every Secret it can see.
	c, err := client.New(mgr.GetConfig(), client.Options{Scheme: mgr.GetScheme()})
	if err != nil {
		return nil, fmt.Errorf("create client for webhook certificates: %w", err)
	}
	hosts := webhook.ServiceHosts(o.service, ns)
	for _, h := range strings.Split(o.extraHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return webhook.NewSelfSignedCertificates(c, webhook.CertificateOptions{
		Namespace: ns, SecretName: o.certSecret, Hosts: hosts, WebhookConfiguration: o.configuration,
		MutatingWebhookConfiguration: o.mutatingConfiguration,
	})
}
