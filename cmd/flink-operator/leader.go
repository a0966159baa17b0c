package main

import (
	"flag"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

// defaultLeaseName is the Lease one operator instance elects its leader
// with; instances that shard a fleet (--label-selector) each need their own.
const defaultLeaseName = "flink-operator.flink.apache.org"

// leaderElection holds the Lease name and timings of leader election. The
// defaults are client-go's usual ones (and the reference operator's): a
// leader that dies without releasing its Lease is replaced after at most
// the lease duration.
type leaderElection struct {
	leaseName     string
	leaseDuration time.Duration
	renewDeadline time.Duration
	retryPeriod   time.Duration
}

func (l *leaderElection) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&l.leaseName, "leader-election-id", defaultLeaseName, "name of the leader election Lease; operator instances that shard a fleet need one each")
	fs.DurationVar(&l.leaseDuration, "leader-election-lease-duration", 15*time.Second, "how long the other replicas wait for a leader that stopped renewing before one takes over")
	fs.DurationVar(&l.renewDeadline, "leader-election-renew-deadline", 10*time.Second, "how long the leader keeps trying to renew its Lease before it stops reconciling")
	fs.DurationVar(&l.retryPeriod, "leader-election-retry-period", 2*time.Second, "how often replicas try to acquire or renew the Lease")
}

// validate reports timings client-go's leader elector would refuse, naming
// the flags, before any connection is made.
func (l *leaderElection) validate() error {
	switch {
	case l.leaseName == "":
		return fmt.Errorf("--leader-election-id must not be empty")
	case l.retryPeriod <= 0:
		return fmt.Errorf("--leader-election-retry-period %s: must be positive", l.retryPeriod)
	case l.renewDeadline <= l.retryPeriod*6/5: // client-go adds up to 20% jitter to the retry period
		return fmt.Errorf("--leader-election-renew-deadline %s: must be more than 1.2 x --leader-election-retry-period (%s)", l.renewDeadline, l.retryPeriod)
	case l.leaseDuration <= l.renewDeadline:
		return fmt.Errorf("--leader-election-lease-duration %s: must be more than --leader-election-renew-deadline (%s)", l.leaseDuration, l.renewDeadline)
	}
	return nil
}

// apply sets the Lease name and timings on the manager's options.
func (l *leaderElection) apply(o *ctrl.Options) {
	o.LeaderElectionID = l.leaseName
	o.LeaseDuration = &l.leaseDuration
	o.RenewDeadline = &l.renewDeadline
	o.RetryPeriod = &l.retryPeriod
}
