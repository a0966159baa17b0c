package flinkrest

import (
	"context"
	"net/http"
)

// DashboardConfig is GET /config. The operator mainly needs FlinkVersion to
// confirm which release is really running behind a Service; the rest is kept
// for diagnostics.
type DashboardConfig struct {
	RefreshInterval int64  `json:"refresh-interval"`
	TimezoneName    string `json:"timezone-name"`
	TimezoneOffset  int64  `json:"timezone-offset"`
	FlinkVersion    string `json:"flink-version"`
	FlinkRevision   string `json:"flink-revision"`
	// Features varies by release (1.13 only web-submit; 1.14 adds
	// web-cancel; later web-rescale, web-history), hence a map.
	Features map[string]bool `json:"features"`
}

// ClusterOverview is GET /overview: capacity and job counts of the cluster.
type ClusterOverview struct {
	TaskManagers   int    `json:"taskmanagers"`
	SlotsTotal     int    `json:"slots-total"`
	SlotsAvailable int    `json:"slots-available"`
	JobsRunning    int    `json:"jobs-running"`
	JobsFinished   int    `json:"jobs-finished"`
	JobsCancelled  int    `json:"jobs-cancelled"`
	JobsFailed     int    `json:"jobs-failed"`
	FlinkVersion   string `json:"flink-version"`
	FlinkCommit    string `json:"flink-commit"`
}

// GetConfig fetches GET /config. It is also a cheap readiness probe.
func (c *Client) GetConfig(ctx context.Context) (*DashboardConfig, error) {
	var out DashboardConfig
	if err := c.do(ctx, call{method: http.MethodGet, path: "/config", retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetOverview fetches GET /overview.
func (c *Client) GetOverview(ctx context.Context) (*ClusterOverview, error) {
	var out ClusterOverview
	if err := c.do(ctx, call{method: http.MethodGet, path: "/overview", retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
