package webhook

import (
	"context"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// verifyServing checks that the certificate s serves chains to the bundle
// in the configuration, for every host.
func verifyServing(t *testing.T, c client.Client, s *SelfSignedCertificates, configuration string, at time.Time) {
	t.Helper()
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	require.NoError(t, c.Get(context.Background(), client.ObjectKey{Name: configuration}, cfg))
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(cfg.Webhooks[0].ClientConfig.CABundle), "caBundle holds PEM certificates")
	served, err := s.GetCertificate(nil)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(served.Certificate[0])
	require.NoError(t, err)
	for _, h := range s.opts.Hosts {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, CurrentTime: at})
		assert.NoError(t, err, h)
	}
}

func TestSelfSignedCertificatesCreateShareAndRenew(t *testing.T) {
	_, c := apiServer(t)
	ctx := context.Background()
	ns := newNamespace(t, c)
	const configuration = "cabundle-test"
	require.NoError(t, c.Create(ctx, Configuration(configuration, ns, "flink-operator-webhook", 443, nil)))
	start := time.Now()
	clock := start
	opts := CertificateOptions{Namespace: ns, SecretName: "webhook-cert", Hosts: ServiceHosts("flink-operator-webhook", ns), WebhookConfiguration: configuration, Now: func() time.Time { return clock }}
	first, err := NewSelfSignedCertificates(c, opts)
	require.NoError(t, err)

	assert.EqualError(t, first.Ready(nil), "webhook serving certificate not loaded yet")
	require.NoError(t, first.Ensure(ctx))
	require.NoError(t, first.Ready(nil))
	secret := &corev1.Secret{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "webhook-cert"}, secret))
	assert.Equal(t, corev1.SecretTypeTLS, secret.Type)
	assert.ElementsMatch(t, []string{"ca.crt", "ca.key", "tls.crt", "tls.key"}, keys(secret.Data))
	verifyServing(t, c, first, configuration, clock)

	// A second replica uses what the first wrote, and writes nothing.
	second, err := NewSelfSignedCertificates(c, opts)
	require.NoError(t, err)
	require.NoError(t, second.Ensure(ctx))
	again := &corev1.Secret{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(secret), again))
	assert.Equal(t, secret.ResourceVersion, again.ResourceVersion)
	a, _ := first.GetCertificate(nil)
	b, _ := second.GetCertificate(nil)
	assert.Equal(t, a.Certificate, b.Certificate)

	// Near its expiry the serving certificate is reissued by the same CA.
	clock = start.Add(servingValidity - renewServingIn + time.Hour)
	require.NoError(t, second.Ensure(ctx))
	renewed := &corev1.Secret{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(secret), renewed))
	assert.NotEqual(t, secret.Data["tls.crt"], renewed.Data["tls.crt"])
	assert.Equal(t, secret.Data["ca.key"], renewed.Data["ca.key"])
	assert.Equal(t, secret.Data["ca.crt"], renewed.Data["ca.crt"])
	verifyServing(t, c, second, configuration, clock)
	// The other replica picks the new certificate up on its next refresh.
	require.NoError(t, first.Ensure(ctx))
	a, _ = first.GetCertificate(nil)
	b, _ = second.GetCertificate(nil)
	assert.Equal(t, a.Certificate, b.Certificate)

	// Near the CA's expiry a new CA is made; the old one stays trusted
	// while it is valid, so nothing served before breaks.
	clock = start.Add(caValidity - renewCAIn + time.Hour)
	require.NoError(t, first.Ensure(ctx))
	rotated := &corev1.Secret{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(secret), rotated))
	assert.NotEqual(t, renewed.Data["ca.key"], rotated.Data["ca.key"])
	bundle, err := parseCertificates(rotated.Data["ca.crt"])
	require.NoError(t, err)
	require.Len(t, bundle, 2)
	oldCA, err := parseCertificates(renewed.Data["ca.crt"])
	require.NoError(t, err)
	assert.True(t, bundle[1].Equal(oldCA[0]))
	verifyServing(t, c, first, configuration, clock)

	// A Secret someone broke is replaced; so is one for other host names.
	rotated.Data["tls.key"] = []byte("garbage")
	require.NoError(t, c.Update(ctx, rotated))
	require.NoError(t, first.Ensure(ctx))
	verifyServing(t, c, first, configuration, clock)
	moved, err := NewSelfSignedCertificates(c, CertificateOptions{Namespace: ns, SecretName: "webhook-cert", Hosts: ServiceHosts("renamed", ns), WebhookConfiguration: configuration, Now: func() time.Time { return clock }})
	require.NoError(t, err)
	require.NoError(t, moved.Ensure(ctx))
	verifyServing(t, c, moved, configuration, clock)
}

func TestSelfSignedCertificatesReplicasRace(t *testing.T) {
	_, c := apiServer(t)
	ctx := context.Background()
	ns := newNamespace(t, c)
	opts := CertificateOptions{Namespace: ns, SecretName: "raced", Hosts: []string{"localhost"}}
	replicas := make([]*SelfSignedCertificates, 4)
	var wg sync.WaitGroup
	errs := make([]error, len(replicas))
	for i := range replicas {
		var err error
		replicas[i], err = NewSelfSignedCertificates(c, opts)
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = replicas[i].Ensure(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
	want, _ := replicas[0].GetCertificate(nil)
	for i, r := range replicas[1:] {
		got, _ := r.GetCertificate(nil)
		assert.Equal(t, want.Certificate, got.Certificate, "replica %d serves another certificate", i+1)
	}
}

func TestSelfSignedCertificatesMissingConfiguration(t *testing.T) {
	_, c := apiServer(t)
	ns := newNamespace(t, c)
	s, err := NewSelfSignedCertificates(c, CertificateOptions{Namespace: ns, SecretName: "cert", Hosts: []string{"localhost"}, WebhookConfiguration: "no-such-configuration"})
	require.NoError(t, err)
	err = s.Ensure(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ValidatingWebhookConfiguration/no-such-configuration: get to set its caBundle: ")

	_, err = NewSelfSignedCertificates(c, CertificateOptions{SecretName: "cert", Hosts: []string{"localhost"}})
	assert.EqualError(t, err, "webhook certificates: the namespace of the certificate Secret is not set")
	_, err = NewSelfSignedCertificates(c, CertificateOptions{Namespace: "a", Hosts: []string{"localhost"}})
	assert.EqualError(t, err, "webhook certificates: the name of the certificate Secret is not set")
	_, err = NewSelfSignedCertificates(c, CertificateOptions{Namespace: "a", SecretName: "cert"})
	assert.EqualError(t, err, "webhook certificates: no host names for the serving certificate")
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
