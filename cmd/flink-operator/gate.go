package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/flinkops/flink-operator/reconciler/gate"
)

// bindGateFlags registers the upgrade gate's timings and limits.
func bindGateFlags(fs *flag.FlagSet, p *gate.Policy) {
	d := gate.DefaultPolicy
	fs.DurationVar(&p.SavepointPollInterval, "savepoint-poll-interval", d.SavepointPollInterval, "how often a pending upgrade savepoint is polled; it bounds the delay between the savepoint completing and the new JobManager")
	fs.DurationVar(&p.SavepointTimeout, "savepoint-timeout", d.SavepointTimeout, "how long an upgrade savepoint may take before the attempt fails (the job keeps running)")
	fs.Func("max-savepoint-attempts", fmt.Sprintf("failed savepoint attempts after which an upgrade is abandoned until the spec changes again (default %d)", d.MaxSavepointAttempts), func(s string) error {
		var n int32
		if _, err := fmt.Sscan(s, &n); err != nil || n < 1 {
			return fmt.Errorf("want a whole number of at least 1, got %q", s)
		}
		p.MaxSavepointAttempts = n
		return nil
	})
	fs.DurationVar(&p.RetryBackoff, "savepoint-retry-backoff", d.RetryBackoff, "wait after the first failed savepoint attempt; it doubles with each further one")
	p.TakeDownTimeout = d.TakeDownTimeout
	fs.Func("take-down-timeout", fmt.Sprintf("how long an upgrade or suspend waits for the old cluster's pods to go before it reports them (status.error, a TakeDownStuck event, the take_down_stuck metric); it keeps waiting, since a new JobManager never starts while the old one may still run (default %s)", d.TakeDownTimeout), func(s string) error {
		v, err := time.ParseDuration(s)
		if err != nil || v <= 0 {
			return fmt.Errorf("want a positive duration such as 5m, got %q", s)
		}
		p.TakeDownTimeout = v
		return nil
	})
}
