// Command nodeagent is the dev cluster's node whose pods really run: a
// small kubelet that runs each container of the pods bound to its Node as a
// local process (see test/nodeagent/README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/flinkops/flink-operator/test/nodeagent/agent"
	"github.com/flinkops/flink-operator/test/nodeagent/sandbox"
)

// repeated is a flag given once per value.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	// A container's first step runs in this binary (see package sandbox).
	sandbox.Init()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "nodeagent:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		kubeconfig  = flag.String("kubeconfig", "", "kubeconfig of the cluster to join")
		nodeName    = flag.String("node-name", "flink-node-0", "name of the Node to register")
		stateDir    = flag.String("state-dir", "", "folder for pods' volumes and container roots")
		logDir      = flag.String("log-dir", "", "folder for container logs (<ns>_<pod>_<uid>/<container>/<run>.log)")
		listen      = flag.String("listen", "127.0.0.1:27106", "address of the REST proxy and control endpoints")
		podNetwork  = flag.String("pod-network", "127.1", "first two octets of the pods' loopback addresses")
		flinkImage  = flag.String("flink-image-binary", "", "the flink-image binary (the image's entrypoint and scripts)")
		fetchRepo   = flag.String("fetch-repository", agent.DefaultFetchRepository, "image repository of flink-fetch, the operator's init container for remote jars (it runs this checkout's binary)")
		fetchBinary = flag.String("fetch-binary", "", "this checkout's flink-fetch binary")
		flinkDists  repeated
		exampleJars repeated
	)
	flag.Var(&flinkDists, "flink", "MINOR=DIR: a Flink distribution (lib/, opt/, plugins/, bin/) served as image flink:MINOR; repeat per version")
	flag.Var(&exampleJars, "example-jar", "MINOR=JAR: the job placed at examples/streaming/StateMachineExample.jar in flink:MINOR")
	flag.Parse()
	if *stateDir == "" || *logDir == "" || *kubeconfig == "" || *flinkImage == "" {
		return errors.New("--kubeconfig, --state-dir, --log-dir and --flink-image-binary are required")
	}
	images := &agent.Images{Flink: map[string]agent.FlinkDist{}, FlinkImageBinary: *flinkImage,
		FetchRepository: *fetchRepo, FetchBinary: *fetchBinary}
	for _, f := range flinkDists {
		minor, dir, ok := strings.Cut(f, "=")
		if !ok {
			return fmt.Errorf("--flink %q: want MINOR=DIR", f)
		}
		version, err := distVersion(dir)
		if err != nil {
			return fmt.Errorf("--flink %q: %w", f, err)
		}
		images.Flink[minor] = agent.FlinkDist{Version: version, Home: dir}
	}
	for _, f := range exampleJars {
		minor, jar, ok := strings.Cut(f, "=")
		d, known := images.Flink[minor]
		if !ok || !known {
			return fmt.Errorf("--example-jar %q: want MINOR=JAR for a MINOR given with --flink", f)
		}
		d.ExampleJar = jar
		images.Flink[minor] = d
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("load %s: %w", *kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	api, err := url.Parse(cfg.Host)
	if err != nil {
		return fmt.Errorf("API server address %q: %w", cfg.Host, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	a, err := agent.New(agent.Config{
		NodeName: *nodeName, Client: client, StateDir: *stateDir, LogDir: *logDir, Images: images,
		PodNetwork: *podNetwork, APIServerHost: api.Hostname(), APIServerPort: api.Port(), Log: log,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return a.Run(ctx)
}

// distVersion reads a distribution's release from its flink-dist jar.
func distVersion(dir string) (string, error) {
	jars, _ := filepath.Glob(filepath.Join(dir, "lib", "flink-dist*.jar"))
	if len(jars) != 1 {
		return "", fmt.Errorf("%s: want exactly one lib/flink-dist*.jar, found %d", dir, len(jars))
	}
	name := strings.TrimSuffix(filepath.Base(jars[0]), ".jar")
	name = strings.TrimPrefix(strings.TrimPrefix(name, "flink-dist"), "_2.12")
	return strings.TrimPrefix(name, "-"), nil
}
