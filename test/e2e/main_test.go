//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/test/e2e/devjm"
)

// env is what the suite runs against; TestMain fills it.
var env struct {
	kubeconfig   string
	kubectl      string
	devjmURL     string // the fake JobManager (DEV_FLINK=fake)
	agentURL     string // the node agent (DEV_FLINK=real)
	nodeRoot     string // the node's own filesystem, where hostPath volumes live
	helm         string
	kubeVersion  string // of the dev cluster, for helm's kubeVersion check
	restTemplate string
	// runID labels every namespace and FlinkDeployment of this run (label
	// runLabel); the operator only reconciles FlinkDeployments carrying it,
	// so other resources on the dev cluster are left alone.
	runID    string
	client   client.Client
	operator *operatorProcess
	// operatorBin is the binary the operator runs, for a restart.
	operatorBin string
}

const runLabel = "flink-operator-e2e/run"

// repoRoot is relative to this package, where go test runs the tests.
const repoRoot = "../.."

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	missing := []string{}
	lookup := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	env.kubeconfig = lookup("KUBECONFIG")
	env.kubectl = lookup("KUBECTL")
	env.restTemplate = lookup("FLINK_OPERATOR_REST_URL_TEMPLATE")
	env.helm = lookup("HELM")
	env.kubeVersion = lookup("KUBE_VERSION")
	if realFlink {
		env.agentURL = lookup("DEV_NODEAGENT_URL")
		env.nodeRoot = lookup("DEV_NODE_ROOT")
	} else {
		env.devjmURL = lookup("DEV_JOBMANAGER_URL")
	}
	if mode := os.Getenv("DEV_FLINK"); mode != "" && (mode == "real") != realFlink {
		fmt.Fprintf(os.Stderr, "e2e: the dev cluster runs DEV_FLINK=%s; these tests are built for real=%v (build tag realflink)\n", mode, realFlink)
		return 1
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: %s not set: run `make e2e`, or `make dev-cluster` and then `eval \"$(hack/dev-cluster.sh env)\"`\n", strings.Join(missing, ", "))
		return 1
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", env.kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: load %s: %v\n", env.kubeconfig, err)
		return 1
	}
	if env.client, err = newClient(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	env.runID = fmt.Sprintf("%x", time.Now().UnixNano()/int64(time.Millisecond)%0xffffff)

	work, err := os.MkdirTemp("", "flink-operator-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(work)
	// E2E_OPERATOR runs a given binary instead, e.g. another version's.
	bin := os.Getenv("E2E_OPERATOR")
	if bin == "" {
		start := time.Now()
		if bin, err = buildOperator(work); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 1
		}
		fmt.Printf("e2e: built flink-operator in %s\n", time.Since(start).Round(time.Millisecond))
	}
	env.operatorBin = bin
	env.operator, err = startOperator(bin, filepath.Join(work, "flink-operator.log"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}

	code := m.Run()
	if env.devjmURL != "" {
		// Flink 1.20+ would have ignored these fields, so the tests above
		// cannot have seen them fail.
		var ignored []string
		if err := getJSON(env.devjmURL+devjm.DebugPrefix+"ignored-fields", &ignored); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: read the fields the fake JobManagers ignored: %v\n", err)
			code = 1
		} else if len(ignored) > 0 {
			fmt.Fprintf(os.Stderr, "e2e: the operator sent request fields that Flink ignores:\n  %s\n", strings.Join(ignored, "\n  "))
			code = 1
		}
	}

	// Delete what the run created while the operator still runs: its
	// finalizer has to clean up. Then stop the operator.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := deleteRunNamespaces(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: clean up: %v\n", err)
		code = 1
	}
	if err := env.operator.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "\n===== flink-operator log (last 400 lines) =====\n%s\n", env.operator.tail(400))
	}
	return code
}

// buildOperator builds cmd/flink-operator the way a user would.
func buildOperator(dir string) (string, error) {
	bin := filepath.Join(dir, "flink-operator")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/flink-operator")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/flink-operator: %w\n%s", err, out)
	}
	return bin, nil
}

// operatorProcess is the operator, run outside the cluster.
type operatorProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	mu      sync.Mutex
	waitErr error
}

// restartOperator kills the operator with SIGKILL and starts it again on
// the same log (appended), with extra flags if given.
func restartOperator(t *testing.T, extra ...string) {
	t.Helper()
	env.operator.kill()
	p, err := startOperator(env.operatorBin, env.operator.logPath, extra...)
	if err != nil {
		t.Fatal(err)
	}
	env.operator = p
}

// startOperator runs the operator against the dev cluster; extra flags
// go after the suite's own.
func startOperator(bin, logPath string, extra ...string) (*operatorProcess, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // appended across a restart
	if err != nil {
		return nil, fmt.Errorf("create operator log: %w", err)
	}
	args := []string{
		"--kubeconfig", env.kubeconfig,
		"--rest-url-template", env.restTemplate,
		"--label-selector", runLabel + "=" + env.runID,
		// FlinkSessionJobs of this run's sessions too (shard.go: a
		// session job follows its session's labels).
		"--session-jobs",
		"--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0"}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &operatorProcess{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logFile.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.exited)
	}()
	return p, nil
}

// running reports an early exit of the operator, which no wait should sit
// out.
func (p *operatorProcess) running() error {
	select {
	case <-p.exited:
		p.mu.Lock()
		defer p.mu.Unlock()
		return fmt.Errorf("flink-operator exited: %v", p.waitErr)
	default:
		return nil
	}
}

// kill ends the operator with SIGKILL, as a node failure or the OOM killer
// would: no cleanup, no status write on the way out.
func (p *operatorProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// stop sends SIGTERM and waits for a clean exit.
func (p *operatorProcess) stop() error {
	if err := p.running(); err != nil {
		return err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("flink-operator did not stop within 30s of SIGTERM")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waitErr != nil {
		return fmt.Errorf("flink-operator exited after SIGTERM: %w", p.waitErr)
	}
	return nil
}

func (p *operatorProcess) tail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
