// Command flink-fetch is the init container that downloads a job's jar
// (spec.job.jarURI: https, s3 or gs) into the pod before Flink starts; see
// package fetcher. It is a binary and image of its own so that job pods do
// not pull the operator, and the operator does not link the cloud SDKs.
//
// With --upload-to it is also the pod that fetches an s3:// or gs://
// FlinkSessionJob jar for the operator: it uploads the jar to the
// session's JobManager (POST /jars/upload) and writes the jar id Flink
// answered to --result-file, the container's termination message, where
// the operator reads it.
//
// Exit status: 0 fetched (and uploaded), 1 the fetch or the upload
// failed, 2 usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/flinkops/flink-operator/fetcher"
	"github.com/flinkops/flink-operator/fetcher/artifact"
)

func main() {
	// SIGTERM arrives when the pod is deleted mid-download; the fetcher
	// then removes its partial file before exiting.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	var o fetcher.Options
	fs := flag.NewFlagSet("flink-fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URI, "uri", "", "the artifact: https://, s3://BUCKET/KEY or gs://BUCKET/KEY, optionally ending in #sha256=<hex>")
	fs.StringVar(&o.Dest, "dest", "/opt/flink/usrlib", "folder to write the artifact to")
	fs.StringVar(&o.FileName, "file", "", "file name in --dest (default: the URI's last path segment if it is a jar name, else "+artifact.DefaultFileName+")")
	fs.Int64Var(&o.MaxBytes, "max-bytes", fetcher.DefaultMaxBytes, "largest artifact accepted, in bytes")
	fs.DurationVar(&o.Timeout, "timeout", fetcher.DefaultTimeout, "time limit of the whole download")
	fs.BoolVar(&o.AllowHTTP, "allow-http", false, "accept plain http:// URIs and redirects")
	var up upload
	fs.StringVar(&up.to, "upload-to", "", "a Flink JobManager's REST address: upload the fetched jar there and write its jar id to --result-file")
	fs.StringVar(&up.flinkVersion, "flink-version", "", "with --upload-to: the JobManager's Flink version (v1_20, 2.2, ...)")
	fs.StringVar(&up.resultFile, "result-file", "/dev/termination-log", "with --upload-to: where to write the jar id")
	fs.StringVar(&up.flinkConfig, "upload-flink-config", "", "with --upload-to: a `FOLDER` holding the session's Flink configuration file; its security.ssl.rest.* keys decide whether the upload goes over TLS, with which stores")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: flink-fetch --uri URI [flags]\n\nDownloads a job artifact into a folder before Flink starts.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flink-fetch: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.URI == "" {
		fmt.Fprintln(stderr, "flink-fetch: --uri is required")
		return 2
	}
	if up.to != "" && up.flinkVersion == "" {
		fmt.Fprintln(stderr, "flink-fetch: --upload-to needs --flink-version")
		return 2
	}
	if o.MaxBytes <= 0 || o.Timeout <= 0 {
		fmt.Fprintln(stderr, "flink-fetch: --max-bytes and --timeout must be positive")
		return 2
	}
	res, err := fetcher.Fetch(ctx, o)
	if err != nil {
		// err names the URI without its secrets (fetcher.Error).
		fmt.Fprintln(stderr, "flink-fetch:", err)
		return 1
	}
	fmt.Fprintf(stderr, "fetched %s to %s (%d bytes, sha256 %s)\n", artifact.Redact(o.URI), res.Path, res.Bytes, res.SHA256)
	if up.to == "" {
		return 0
	}
	if err := up.run(ctx, res.Path); err != nil {
		fmt.Fprintln(stderr, "flink-fetch:", err)
		return 1
	}
	return 0
}
