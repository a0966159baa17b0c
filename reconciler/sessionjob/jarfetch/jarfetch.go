// Package jarfetch fetches a session job's jar for the FlinkSessionJob
// controller with package httpfetch: https (http when allowed), the size
// limit, the #sha256= checksum, redirects only to https, and no connection
// to link-local, metadata or loopback addresses. It links no cloud SDK,
// so the operator binary can use it (cmd/flink-operator
// TestOperatorDoesNotLinkTheFetcher): s3:// and gs:// jars are refused with
// sessionjob.ErrJarSchemeNotFetched, and the controller holds them with a
// status that suggests a presigned https URL.
package jarfetch

import (
	"context"
	"errors"
	"fmt"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/fetcher/httpfetch"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
)

// Config is the operator's rules for session-job jars.
type Config struct {
	// AllowHTTP accepts http:// URIs (--allow-http-artifacts).
	AllowHTTP bool
	// MaxBytes is the largest jar; 0 is httpfetch's default.
	MaxBytes int64
	// AllowLoopback accepts loopback addresses; tests serve jars there.
	// The operator leaves it false: a jarURI must not reach the
	// operator's own pod.
	AllowLoopback bool
}

// New returns a sessionjob.JarFetcher. The operator sends no credentials
// of its own (neither headers nor a Secret): a jar that needs them is
// fetched from a presigned URL or one with user info.
func New(c Config) sessionjob.JarFetcher {
	schemes := []string{artifact.SchemeHTTPS}
	if c.AllowHTTP {
		schemes = append(schemes, artifact.SchemeHTTP)
	}
	return func(ctx context.Context, uri, dir, name string) (string, error) {
		res, err := httpfetch.Fetch(ctx, httpfetch.Options{
			URI: uri, Dest: dir, FileName: name, MaxBytes: c.MaxBytes,
			AllowHTTP: c.AllowHTTP, AllowedSchemes: schemes, AllowLoopback: c.AllowLoopback,
			CredentialsHint: "user info in the URI, or a presigned URL",
		})
		if errors.Is(err, httpfetch.ErrSchemeNotFetched) || errors.Is(err, httpfetch.ErrSchemeNotAllowed) {
			return "", fmt.Errorf("%w: %w", sessionjob.ErrJarSchemeNotFetched, err)
		}
		if err != nil {
			return "", err
		}
		return res.Path, nil
	}
}
