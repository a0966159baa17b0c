package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/flinkops/flink-operator/internal/objref"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Keys of the certificate Secret. tls.crt and tls.key are the serving
// certificate, as in any kubernetes.io/tls Secret; ca.crt is the bundle the
// API server trusts (current CA first) and ca.key the current CA's key.
const (
	secretKeyCABundle = "ca.crt"
	secretKeyCAKey    = "ca.key"
)

// CertificateOptions configure SelfSignedCertificates.
type CertificateOptions struct {
	// Namespace and SecretName name the Secret holding the CA and the
	// serving certificate; every replica shares it.
	Namespace, SecretName string
	// Hosts are the serving certificate's names: the webhook Service's DNS
	// names (ServiceHosts), or addresses for tests.
	Hosts []string
	// WebhookConfiguration is the ValidatingWebhookConfiguration whose
	// webhooks get the CA bundle; empty leaves it alone.
	WebhookConfiguration string
	// MutatingWebhookConfiguration is the MutatingWebhookConfiguration
	// (FlinkSessionJobs' label) whose webhooks get the CA bundle too;
	// empty leaves it alone.
	MutatingWebhookConfiguration string
	// RefreshInterval is how often the Secret is read again, to pick up a
	// certificate another replica renewed and to renew one near expiry.
	// Default 10 minutes.
	RefreshInterval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// ServiceHosts are the DNS names the API server may use for a Service.
func ServiceHosts(service, namespace string) []string {
	return []string{
		service,
		service + "." + namespace,
		service + "." + namespace + ".svc",
		service + "." + namespace + ".svc.cluster.local",
	}
}

// SelfSignedCertificates keeps the webhook's serving certificate without
// cert-manager: a CA and a serving certificate in a Secret, created or
// renewed by whichever replica gets there first, and the CA in the
// ValidatingWebhookConfiguration. It runs on every replica (the webhook is
// served by all of them, leader or not), and hands the certificate to the
// TLS server through GetCertificate.
type SelfSignedCertificates struct {
	client  client.Client
	opts    CertificateOptions
	current atomic.Pointer[tls.Certificate]
}

// NewSelfSignedCertificates checks the options. The client should read
// directly from the API server: a cached client would list and watch every
// Secret of the namespace.
func NewSelfSignedCertificates(c client.Client, opts CertificateOptions) (*SelfSignedCertificates, error) {
	switch {
	case opts.Namespace == "":
		return nil, errors.New("webhook certificates: the namespace of the certificate Secret is not set")
	case opts.SecretName == "":
		return nil, errors.New("webhook certificates: the name of the certificate Secret is not set")
	case len(opts.Hosts) == 0:
		return nil, errors.New("webhook certificates: no host names for the serving certificate")
	}
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &SelfSignedCertificates{client: c, opts: opts}, nil
}

// NeedLeaderElection is false: every replica serves the webhook.
func (s *SelfSignedCertificates) NeedLeaderElection() bool { return false }

// Start loads (or creates) the certificate, retrying until it succeeds,
// then refreshes it every RefreshInterval until ctx ends.
func (s *SelfSignedCertificates) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("webhook-certificates")
	retry := time.Second
	for {
		err := s.Ensure(ctx)
		wait := s.opts.RefreshInterval
		if err != nil {
			logger.Error(err, "webhook serving certificate not ready; retrying", "in", retry)
			wait, retry = retry, min(2*retry, time.Minute)
		} else {
			retry = time.Second
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// GetCertificate serves the current certificate (tls.Config.GetCertificate).
func (s *SelfSignedCertificates) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := s.current.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("webhook serving certificate not loaded yet")
}

// Ready is a readiness check: ready once a certificate is loaded.
func (s *SelfSignedCertificates) Ready(*http.Request) error {
	_, err := s.GetCertificate(nil)
	return err
}

// Ensure makes the Secret hold a CA and a serving certificate that are
// valid for a while and cover the hosts, loads the serving certificate, and
// puts the CA bundle into the webhook configuration.
func (s *SelfSignedCertificates) Ensure(ctx context.Context) error {
	secret, err := s.ensureSecret(ctx)
	if err != nil {
		return err
	}
	cert, err := tls.X509KeyPair(secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey])
	if err != nil {
		return objref.Of("Secret", secret).Errorf("load the serving certificate: %w", err)
	}
	s.current.Store(&cert)
	if s.opts.WebhookConfiguration != "" {
		if err := setCABundle(ctx, s.client, s.opts.WebhookConfiguration, secret.Data[secretKeyCABundle]); err != nil {
			return err
		}
	}
	if s.opts.MutatingWebhookConfiguration != "" {
		return setMutatingCABundle(ctx, s.client, s.opts.MutatingWebhookConfiguration, secret.Data[secretKeyCABundle])
	}
	return nil
}

// ensureSecret reads the Secret and renews what it holds when needed. When
// two replicas race, the API server's optimistic locking lets one win and
// the other reads what the winner wrote.
func (s *SelfSignedCertificates) ensureSecret(ctx context.Context) (*corev1.Secret, error) {
	key := client.ObjectKey{Namespace: s.opts.Namespace, Name: s.opts.SecretName}
	ref := objref.Ref{Kind: "Secret", Namespace: key.Namespace, Name: key.Name}
	for attempt := 0; ; attempt++ {
		secret := &corev1.Secret{}
		err := s.client.Get(ctx, key, secret)
		exists := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, ref.Errorf("get the webhook certificates: %w", err)
		}
		data, renewed, err := s.material(secret.Data)
		if err != nil {
			return nil, ref.Errorf("read or renew the webhook certificates: %w", err)
		}
		if !renewed {
			return secret, nil
		}
		secret.Data = data
		if exists {
			err = s.client.Update(ctx, secret)
		} else {
			secret.ObjectMeta = metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: map[string]string{"app.kubernetes.io/managed-by": "flink-operator"}}
			secret.Type = corev1.SecretTypeTLS
			err = s.client.Create(ctx, secret)
		}
		switch {
		case err == nil:
			return secret, nil
		case (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) && attempt < 3:
			continue // another replica wrote first: use what it wrote
		default:
			return nil, ref.Errorf("write the webhook certificates: %w", err)
		}
	}
}

// material returns the Secret data to keep: data itself when it is sound,
// else renewed data (renewed is true). The CA is kept unless it is missing,
// broken or near expiry; the serving certificate is reissued when it is
// missing, broken, near expiry, not from the CA or not for these hosts.
func (s *SelfSignedCertificates) material(data map[string][]byte) (map[string][]byte, bool, error) {
	now := s.opts.Now()
	ca, caErr := parseKeyPair(data[secretKeyCABundle], data[secretKeyCAKey])
	if caErr == nil && ca.expiresWithin(renewCAIn, now) {
		caErr = errors.New("CA near expiry")
	}
	serving, servingErr := parseKeyPair(data[corev1.TLSCertKey], data[corev1.TLSPrivateKeyKey])
	if servingErr == nil && (caErr != nil || serving.expiresWithin(renewServingIn, now) || !serving.signedBy(ca) || !serving.covers(s.opts.Hosts)) {
		servingErr = errors.New("serving certificate must be reissued")
	}
	if caErr == nil && servingErr == nil {
		return data, false, nil
	}
	bundle := data[secretKeyCABundle]
	if caErr != nil {
		var err error
		if ca, err = newCA(now); err != nil {
			return nil, false, err
		}
	}
	serving, err := newServingCert(ca, s.opts.Hosts, now)
	if err != nil {
		return nil, false, err
	}
	return map[string][]byte{
		secretKeyCABundle:       caBundle(ca, bundle, now),
		secretKeyCAKey:          ca.keyPEM,
		corev1.TLSCertKey:       serving.certPEM,
		corev1.TLSPrivateKeyKey: serving.keyPEM,
	}, true, nil
}
