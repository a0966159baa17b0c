package webhook

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/flinkops/flink-operator/internal/objref"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// setCABundle puts bundle into every webhook of a
// ValidatingWebhookConfiguration, writing only when something changes.
func setCABundle(ctx context.Context, c client.Client, name string, bundle []byte) error {
	return setBundle(ctx, c, name, bundle, &admissionregistrationv1.ValidatingWebhookConfiguration{},
		func(cfg *admissionregistrationv1.ValidatingWebhookConfiguration) []*admissionregistrationv1.WebhookClientConfig {
			out := make([]*admissionregistrationv1.WebhookClientConfig, len(cfg.Webhooks))
			for i := range cfg.Webhooks {
				out[i] = &cfg.Webhooks[i].ClientConfig
			}
			return out
		})
}

// setMutatingCABundle is setCABundle for a MutatingWebhookConfiguration.
func setMutatingCABundle(ctx context.Context, c client.Client, name string, bundle []byte) error {
	return setBundle(ctx, c, name, bundle, &admissionregistrationv1.MutatingWebhookConfiguration{},
		func(cfg *admissionregistrationv1.MutatingWebhookConfiguration) []*admissionregistrationv1.WebhookClientConfig {
			out := make([]*admissionregistrationv1.WebhookClientConfig, len(cfg.Webhooks))
			for i := range cfg.Webhooks {
				out[i] = &cfg.Webhooks[i].ClientConfig
			}
			return out
		})
}

// setBundle reads the webhook configuration name into cfg, puts bundle
// into each of its webhooks' client configs, and updates it when that
// changed anything, retrying on conflicts.
func setBundle[T client.Object](ctx context.Context, c client.Client, name string, bundle []byte, cfg T, clientConfigs func(T) []*admissionregistrationv1.WebhookClientConfig) error {
	kind := strings.TrimPrefix(fmt.Sprintf("%T", cfg), "*v1.")
	ref := objref.Ref{Kind: kind, Name: name}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: name}, cfg); err != nil {
			return ref.Errorf("get to set its caBundle: %w", err)
		}
		changed := false
		for _, cc := range clientConfigs(cfg) {
			if !bytes.Equal(cc.CABundle, bundle) {
				cc.CABundle = bundle
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
