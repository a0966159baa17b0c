// Package jarfetch fetches a session job's jar with package fetcher's
// rules (schemes, size limit, sha256 fragment, redirects, credentials from
// the environment) for the FlinkSessionJob controller. It is a package of
// its own so that the controller does not link the fetcher (and the AWS
// and Google libraries it brings) into a binary that does not choose to.
package jarfetch

import (
	"context"

	"github.com/flinkops/flink-operator/fetcher"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
)

// New returns a sessionjob.JarFetcher. allowHTTP accepts http:// URIs
// (--allow-http-artifacts); maxBytes 0 is the fetcher's default limit.
func New(allowHTTP bool, maxBytes int64) sessionjob.JarFetcher {
	return func(ctx context.Context, uri, dir, name string) (string, error) {
		res, err := fetcher.Fetch(ctx, fetcher.Options{URI: uri, Dest: dir, FileName: name, MaxBytes: maxBytes, AllowHTTP: allowHTTP})
		if err != nil {
			return "", err
		}
		return res.Path, nil
	}
}
