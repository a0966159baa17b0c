package webhook

import (
	"bytes"
	"context"

	"github.com/flinkops/flink-operator/internal/objref"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// setCABundle puts bundle into every webhook of a
// ValidatingWebhookConfiguration, writing only when something changes.
func setCABundle(ctx context.Context, c client.Client, name string, bundle []byte) error {
	ref := objref.Ref{Kind: "ValidatingWebhookConfiguration", Name: name}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, cfg); err != nil {
			return ref.Errorf("get to set its caBundle: %w", err)
		}
		changed := false
		for i := range cfg.Webhooks {
			if !bytes.Equal(cfg.Webhooks[i].ClientConfig.CABundle, bundle) {
				cfg.Webhooks[i].ClientConfig.CABundle = bundle
				changed = true
			}
		}
		if !changed {
			return nil
		}
		if err := c.Update(ctx, cfg); err != nil {
			return ref.Errorf("set caBundle: %w", err)
		}
		return nil
	})
}

// setMutatingCABundle is setCABundle for a MutatingWebhookConfiguration.
func setMutatingCABundle(ctx context.Context, c client.Client, name string, bundle []byte) error {
	ref := objref.Ref{Kind: "MutatingWebhookConfiguration", Name: name}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, cfg); err != nil {
			return ref.Errorf("get to set its caBundle: %w", err)
		}
		changed := false
		for i := range cfg.Webhooks {
			if !bytes.Equal(cfg.Webhooks[i].ClientConfig.CABundle, bundle) {
				cfg.Webhooks[i].ClientConfig.CABundle = bundle
				changed = true
			}
		}
		if !changed {
			return nil
		}
		if err := c.Update(ctx, cfg); err != nil {
			return ref.Errorf("set caBundle: %w", err)
		}
		return nil
	})
}
