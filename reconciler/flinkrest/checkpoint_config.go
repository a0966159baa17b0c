package flinkrest

import (
	"context"
	"math"
	"net/http"
)

// CheckpointConfig is GET /jobs/:jobid/checkpoints/config, reduced to what restore decisions need.
//
// Real Flink 1.20.5, 2.2.1 and 2.3.0 answer it for every streaming job, also
// one without periodic checkpoints: that job has a checkpoint coordinator
// too (savepoints need one), and reports Interval math.MaxInt64 and Mode
// "at_least_once" (CheckpointingEnabled). Only a job without a coordinator
// (a batch job) gets a 404, which IsCheckpointingDisabled recognises.
type CheckpointConfig struct {
	Mode            string                  `json:"mode"`
	Interval        int64                   `json:"interval"`
	Externalization ExternalizedCheckpoints `json:"externalization"`
}

// ExternalizedCheckpoints is the job's
// execution.checkpointing.externalized-checkpoint-retention, as Flink
// reports it:
//
//	RETAIN_ON_CANCELLATION       enabled true,  delete_on_cancellation false
//	DELETE_ON_CANCELLATION       enabled true,  delete_on_cancellation true
//	NO_EXTERNALIZED_CHECKPOINTS  enabled false, delete_on_cancellation true
//
// NO_EXTERNALIZED_CHECKPOINTS is the default of 1.20 and 2.x. Its
// checkpoints still have an external_path while the job runs (with a file
// system checkpoint storage), but they are deleted when the job is
// cancelled, as DELETE_ON_CANCELLATION's are.
type ExternalizedCheckpoints struct {
	Enabled              bool `json:"enabled"`
	DeleteOnCancellation bool `json:"delete_on_cancellation"`
}

// RetainedOnCancellation reports whether the job's checkpoints survive a cancel.
func (c CheckpointConfig) RetainedOnCancellation() bool {
	return c.Externalization.Enabled && !c.Externalization.DeleteOnCancellation
}

// CheckpointingEnabled reports whether the job takes periodic checkpoints.
// A streaming job without them is still answered (see CheckpointConfig),
// with an interval of Java's Long.MAX_VALUE.
func (c CheckpointConfig) CheckpointingEnabled() bool {
	return c.Interval > 0 && c.Interval != math.MaxInt64
}

// GetCheckpointConfig fetches GET /jobs/:jobid/checkpoints/config. An
// unknown job is a 404 (IsNotFound); a job without a checkpoint coordinator
// is a 404 too, told apart by IsCheckpointingDisabled.
func (c *Client) GetCheckpointConfig(ctx context.Context, jobID string) (*CheckpointConfig, error) {
	var out CheckpointConfig
	if err := c.do(ctx, call{method: http.MethodGet, path: jobPath(jobID, "checkpoints", "config"), retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckpointRetentionOption is the configuration key of a job's retention,
// read from the cluster's configuration or, over it, from the jar run's
// flinkConfiguration (both seen working on real 1.20.5, 2.2.1 and 2.3.0).
// Flink reads its value case-insensitively and refuses an unknown one: the
// jar run answers 400 "Could not execute application.".
const CheckpointRetentionOption = "execution.checkpointing.externalized-checkpoint-retention"

// The values of CheckpointRetentionOption.
const (
	RetainOnCancellation      = "RETAIN_ON_CANCELLATION"
	DeleteOnCancellation      = "DELETE_ON_CANCELLATION"
	NoExternalizedCheckpoints = "NO_EXTERNALIZED_CHECKPOINTS"
)
