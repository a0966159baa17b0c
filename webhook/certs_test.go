package webhook

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServingCertificateChainsToCA(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := newCA(now)
	require.NoError(t, err)
	hosts := append(ServiceHosts("flink-operator-webhook", "operators"), "127.0.0.1")
	serving, err := newServingCert(ca, hosts, now)
	require.NoError(t, err)

	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	for _, h := range hosts {
		_, err := serving.cert.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		assert.NoError(t, err, h)
	}
	assert.True(t, serving.covers(hosts))
	assert.False(t, serving.covers([]string{"other.operators.svc"}))
	assert.True(t, serving.signedBy(ca))
	other, err := newCA(now)
	require.NoError(t, err)
	assert.False(t, serving.signedBy(other))

	// A certificate issued now is valid now, even to a slightly slow clock.
	assert.False(t, serving.expiresWithin(0, now.Add(-time.Minute)))
	assert.False(t, serving.expiresWithin(renewServingIn, now))
	assert.True(t, serving.expiresWithin(renewServingIn, now.Add(servingValidity-renewServingIn+time.Hour)))
	assert.False(t, ca.expiresWithin(renewCAIn, now.Add(caValidity-renewCAIn-time.Hour)))
	assert.True(t, ca.expiresWithin(renewCAIn, now.Add(caValidity-renewCAIn+time.Hour)))

	// Round trip through PEM.
	again, err := parseKeyPair(serving.certPEM, serving.keyPEM)
	require.NoError(t, err)
	assert.True(t, again.cert.Equal(serving.cert))
	_, err = parseKeyPair(serving.certPEM, ca.keyPEM)
	assert.EqualError(t, err, "private key does not belong to the certificate")
	_, err = parseKeyPair([]byte("garbage"), serving.keyPEM)
	assert.EqualError(t, err, "no PEM certificate")
	_, err = newServingCert(ca, nil, now)
	assert.EqualError(t, err, "a serving certificate needs at least one host name")
}

func TestCABundleKeepsOlderValidCAs(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, err := newCA(now)
	require.NoError(t, err)
	next, err := newCA(now.Add(9 * 365 * 24 * time.Hour))
	require.NoError(t, err)

	bundle, err := parseCertificates(caBundle(next, old.certPEM, now.Add(9*365*24*time.Hour)))
	require.NoError(t, err)
	require.Len(t, bundle, 2, "the old CA still signs certificates some replica may serve")
	assert.True(t, bundle[0].Equal(next.cert), "the current CA comes first")
	assert.True(t, bundle[1].Equal(old.cert))

	bundle, err = parseCertificates(caBundle(next, old.certPEM, now.Add(caValidity+time.Hour)))
	require.NoError(t, err)
	assert.Len(t, bundle, 1, "an expired CA is dropped")

	bundle, err = parseCertificates(caBundle(next, append(next.certPEM, []byte("junk")...), now))
	require.NoError(t, err)
	assert.Len(t, bundle, 1, "the current CA is not repeated")
}
