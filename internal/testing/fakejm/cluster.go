package fakejm

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// Cluster simulates one Flink JobManager. It is an http.Handler serving the
// REST API at the root path (optionally under /v1). All methods are safe for
// concurrent use with requests in flight.
type Cluster struct {
	mu           sync.Mutex
	version      flinkrest.Version
	flinkVersion string
	savepointDir string
	// retention is the cluster's checkpoint retention, for jobs that set
	// none (WithCheckpointRetention).
	retention string
	now       func() time.Time
	rng       *rand.Rand

	jobs     map[string]*job
	jobOrder []string
	ops      map[opKey]*operation
	opLog    []*operation     // ops in the order they were created
	byClient map[opKey]string // (job, client triggerId) -> request id, 1.15+

	jars jarStore

	behavior    OperationBehavior
	cancelReads int
	notReady    int
	faults      []*activeFault
	counters    Counters
	requests    []Request
	// ignored lists the body fields Flink would have ignored (decodeBody).
	ignored []string
}

// Option configures a Cluster in NewCluster.
type Option func(*Cluster)

// WithFlinkVersion sets the full version string the cluster reports in
// /config and /overview (default "<major>.<minor>.0").
func WithFlinkVersion(v string) Option { return func(c *Cluster) { c.flinkVersion = v } }

// WithDefaultSavepointDir configures the cluster-wide savepoint directory
// used when a trigger names none. Without it such triggers get Flink's 400.
func WithDefaultSavepointDir(dir string) Option { return func(c *Cluster) { c.savepointDir = dir } }

// WithCheckpointRetention sets the cluster configuration's
// execution.checkpointing.externalized-checkpoint-retention, which jobs
// that set none of their own take (as real 1.20.5, 2.2.1 and 2.3.0 do).
// Without it they take Flink's default, NO_EXTERNALIZED_CHECKPOINTS. An
// invalid value makes every AddJob fail.
func WithCheckpointRetention(retention string) Option {
	return func(c *Cluster) { c.retention = retention }
}

// WithClock replaces time.Now for every timestamp the cluster reports.
func WithClock(now func() time.Time) Option { return func(c *Cluster) { c.now = now } }

// WithSeed seeds the generator for job ids, request ids and savepoint names,
// so that two runs of a test see the same values.
func WithSeed(seed uint64) Option {
	return func(c *Cluster) { c.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// NewCluster returns an empty JobManager simulating version ("v1_20" or
// "1.20.1"). Versions outside the supported range are refused because the
// fake would have to invent their shapes.
func NewCluster(version string, opts ...Option) (*Cluster, error) {
	v, err := flinkrest.ParseVersion(version)
	if err != nil {
		return nil, fmt.Errorf("fakejm: %w", err)
	}
	if !v.Supported() {
		return nil, fmt.Errorf("fakejm: flink version %s: %w", v, flinkrest.ErrUnsupported)
	}
	c := &Cluster{
		version:      v,
		flinkVersion: fmt.Sprintf("%d.%d.0", v.Major, v.Minor),
		now:          time.Now,
		jobs:         map[string]*job{},
		ops:          map[opKey]*operation{},
		byClient:     map[opKey]string{},
		behavior:     OperationBehavior{PendingPolls: 1},
		cancelReads:  1,
		retention:    flinkrest.NoExternalizedCheckpoints,
		counters:     Counters{Requests: map[string]int{}},
	}
	WithSeed(1)(c)
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Version is the simulated Flink version.
func (c *Cluster) Version() flinkrest.Version { return c.version }

// nowMillis is the simulated clock in epoch milliseconds. Callers hold mu.
func (c *Cluster) nowMillis() int64 { return c.now().UnixMilli() }

// hexID returns n random lower-case hex characters. Callers hold mu.
func (c *Cluster) hexID(n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(digits[c.rng.IntN(16)])
	}
	return b.String()
}
