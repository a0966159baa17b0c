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

// runFetch is `flink-operator fetch`: the init container that downloads a
// job's jar before Flink starts (see package fetcher). Exit status: 0
// fetched, 1 the fetch failed, 2 usage.
func runFetch(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fetchCommand(ctx, args, os.Stderr)
}

func fetchCommand(ctx context.Context, args []string, stderr io.Writer) int {
	var o fetcher.Options
	fs := flag.NewFlagSet("flink-operator fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URI, "uri", "", "the artifact: https://, s3://BUCKET/KEY or gs://BUCKET/KEY, optionally ending in #sha256=<hex>")
	fs.StringVar(&o.Dest, "dest", "/opt/flink/usrlib", "folder to write the artifact to")
	fs.StringVar(&o.FileName, "file", "", "file name in --dest (default: the URI's last path segment if it is a jar name, else "+artifact.DefaultFileName+")")
	fs.Int64Var(&o.MaxBytes, "max-bytes", fetcher.DefaultMaxBytes, "largest artifact accepted, in bytes")
	fs.DurationVar(&o.Timeout, "timeout", fetcher.DefaultTimeout, "time limit of the whole download")
	fs.BoolVar(&o.AllowHTTP, "allow-http", false, "accept plain http:// URIs and redirects")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: flink-operator fetch --uri URI [flags]\n\nDownloads a job artifact into a folder before Flink starts.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flink-operator fetch: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.URI == "" {
		fmt.Fprintln(stderr, "flink-operator fetch: --uri is required")
		return 2
	}
	if o.MaxBytes <= 0 || o.Timeout <= 0 {
		fmt.Fprintln(stderr, "flink-operator fetch: --max-bytes and --timeout must be positive")
		return 2
	}
	res, err := fetcher.Fetch(ctx, o)
	if err != nil {
		// err names the URI without its secrets (fetcher.Error).
		fmt.Fprintln(stderr, "flink-operator:", err)
		return 1
	}
	fmt.Fprintf(stderr, "fetched %s to %s (%d bytes, sha256 %s)\n", artifact.Redact(o.URI), res.Path, res.Bytes, res.SHA256)
	return 0
}
