package main

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The Apache Flink Kubernetes Operator, the reference this project is
// measured against (issue 23). Maven Central serves it as a plain jar; the
// benchmark resolves it with its dependencies by Maven into a cache
// outside the repository, once, and runs it as a JVM.

const (
	apacheOperatorVersion = "1.7.0"
	apacheOperatorMain    = "org.apache.flink.kubernetes.operator.FlinkOperator"
)

// requireApacheTools skips the benchmark when java or mvn is missing,
// unless BENCH_VS_APACHE_REQUIRE=1 (set by `make bench-vs-apache`), where
// a missing tool fails it: the make target must not pass without
// measuring anything.
func requireApacheTools(tb testing.TB) {
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("the Apache operator needs %s on PATH (%v)", tool, err)
			if os.Getenv("BENCH_VS_APACHE_REQUIRE") == "1" {
				tb.Fatal(msg)
			}
			tb.Skip(msg + "; skipping the side-by-side benchmark")
		}
	}
}

// toolsCacheDir is the cache hack/envtest.sh and the Makefile use:
// $FLINK_OPERATOR_CACHE, else the user's cache folder.
func toolsCacheDir(tb testing.TB) string {
	if dir := os.Getenv("FLINK_OPERATOR_CACHE"); dir != "" {
		return dir
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		tb.Fatalf("find the user's cache folder for the Apache operator's jars: %v", err)
	}
	return filepath.Join(dir, "flink-operator")
}

// apacheOperatorPom is a throwaway project whose only dependency is the
// Apache operator: `mvn dependency:copy-dependencies` on it copies the
// operator's jar and everything it needs at run time.
const apacheOperatorPom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.bench</groupId>
  <artifactId>apache-operator-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.flink</groupId>
      <artifactId>flink-kubernetes-operator</artifactId>
      <version>%s</version>
    </dependency>
  </dependencies>
</project>
`

// apacheOperatorClasspath returns the folder holding the Apache operator's
// jars, resolving them by Maven the first time. Like the tools cache, it
// builds into a temporary folder of this process's own and renames it into
// place, so concurrent runs never see a half-filled folder.
func apacheOperatorClasspath(tb testing.TB) string {
	cache := toolsCacheDir(tb)
	final := filepath.Join(cache, "apache-operator-"+apacheOperatorVersion)
	marker := filepath.Join(final, "flink-kubernetes-operator-"+apacheOperatorVersion+".jar")
	if _, err := os.Stat(marker); err == nil {
		return final
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		tb.Fatalf("create the cache folder %s: %v", cache, err)
	}
	tmp, err := os.MkdirTemp(cache, ".apache-operator-*")
	if err != nil {
		tb.Fatalf("create a temporary folder in %s: %v", cache, err)
	}
	defer os.RemoveAll(tmp)
	pom := filepath.Join(tmp, "pom.xml")
	if err := os.WriteFile(pom, fmt.Appendf(nil, apacheOperatorPom, apacheOperatorVersion), 0o644); err != nil {
		tb.Fatalf("write %s: %v", pom, err)
	}
	lib := filepath.Join(tmp, "lib")
	fmt.Fprintf(os.Stderr, "resolving org.apache.flink:flink-kubernetes-operator:%s by Maven into %s (first time only)\n", apacheOperatorVersion, final)
	mvn := exec.Command("mvn", "-q", "-B", "-f", pom, "dependency:copy-dependencies", "-DoutputDirectory="+lib)
	if out, err := mvn.CombinedOutput(); err != nil {
		tb.Fatalf("resolve org.apache.flink:flink-kubernetes-operator:%s with mvn dependency:copy-dependencies: %v\n%s", apacheOperatorVersion, err, out)
	}
	if err := os.Rename(lib, final); err != nil {
		// Another run may have won the race; its copy is the same.
		if _, statErr := os.Stat(marker); statErr != nil {
			tb.Fatalf("move the Apache operator's jars into %s: %v", final, err)
		}
	}
	return final
}

// extractSessionJobCRD writes the FlinkSessionJob CRD that the Apache
// operator's API jar carries (META-INF/fabric8/) into dir: the operator
// starts a FlinkSessionJob controller too, which fails without it.
func extractSessionJobCRD(tb testing.TB, classpath, dir string) string {
	jar := filepath.Join(classpath, "flink-kubernetes-operator-api-"+apacheOperatorVersion+".jar")
	const entry = "META-INF/fabric8/flinksessionjobs.flink.apache.org-v1.yml"
	r, err := zip.OpenReader(jar)
	if err != nil {
		tb.Fatalf("open %s: %v", jar, err)
	}
	defer r.Close()
	f, err := r.Open(entry)
	if err != nil {
		tb.Fatalf("read %s in %s: %v", entry, jar, err)
	}
	defer f.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("create %s: %v", dir, err)
	}
	path := filepath.Join(dir, "flinksessionjobs.yaml")
	out, err := os.Create(path)
	if err != nil {
		tb.Fatalf("create %s: %v", path, err)
	}
	defer out.Close()
	if _, err := io.Copy(out, f); err != nil {
		tb.Fatalf("extract %s from %s: %v", entry, jar, err)
	}
	return path
}

// apacheFlinkConf is the operator's configuration: the overrides its Helm
// chart sets by default (reconcile every 15 s, check progress every 5 s),
// plus what a run beside another operator on one machine needs.
const apacheFlinkConf = `# The Helm chart's defaults (defaultConfiguration.flink-conf.yaml)
taskmanager.numberOfTaskSlots: 2
parallelism.default: 2
kubernetes.operator.reconcile.interval: 15 s
kubernetes.operator.observer.progress-check.interval: 5 s
# This benchmark's
kubernetes.operator.watched.namespaces: %s
kubernetes.operator.health.probe.enabled: true
kubernetes.operator.health.probe.port: %s
kubernetes.operator.leader-election.enabled: false
kubernetes.operator.user.artifacts.base.dir: %s
`

// apacheLog4j is the chart's log4j-operator.properties in short: INFO to
// the console, which the benchmark writes to a file.
const apacheLog4j = `rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
`

// startApacheOperator runs the Apache operator watching namespaces, with
// jvmArgs (empty: the chart's default, which sets none), its output going
// to a file in dir.
func startApacheOperator(tb testing.TB, classpath, kubeconfig, dir string, namespaces []string, jvmArgs []string) *benchProcess {
	probe := freeAddr(tb)
	_, port, _ := strings.Cut(probe, ":")
	conf := filepath.Join(dir, "conf")
	artifacts := filepath.Join(dir, "artifacts")
	for _, d := range []string{conf, artifacts} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatalf("create %s: %v", d, err)
		}
	}
	files := map[string]string{
		"flink-conf.yaml":           fmt.Sprintf(apacheFlinkConf, strings.Join(namespaces, ","), port, artifacts),
		"log4j-operator.properties": apacheLog4j,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(content), 0o644); err != nil {
			tb.Fatalf("write the Apache operator's %s: %v", name, err)
		}
	}
	args := append([]string{"-cp", filepath.Join(classpath, "*"),
		"-Dlog4j.configurationFile=" + filepath.Join(conf, "log4j-operator.properties")}, jvmArgs...)
	args = append(args, apacheOperatorMain)
	cmd := exec.Command("java", args...)
	cmd.Env = append(os.Environ(), "FLINK_CONF_DIR="+conf, "KUBECONFIG="+kubeconfig)
	p := startProcess(tb, cmd, filepath.Join(dir, "operator.log"))
	p.ready = func() bool { return httpOK("http://" + probe + "/") }
	return p
}

// benchProcess is one operator running as its own process.
type benchProcess struct {
	cmd   *exec.Cmd
	log   *os.File
	ready func() bool
	done  chan struct{} // closed when the process has exited
}

func startProcess(tb testing.TB, cmd *exec.Cmd, logPath string) *benchProcess {
	log, err := os.Create(logPath)
	if err != nil {
		tb.Fatalf("create the operator's log %s: %v", logPath, err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &benchProcess{cmd: cmd, log: log, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	tb.Cleanup(p.stop)
	return p
}

func (p *benchProcess) pid() int { return p.cmd.Process.Pid }

// waitReady waits until the operator's health endpoint answers.
func (p *benchProcess) waitReady(tb testing.TB, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for !p.ready() {
		select {
		case <-p.done:
			tb.Fatalf("%s exited before it became ready (%v); the end of its log:\n%s", p.cmd.Path, p.cmd.ProcessState, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not become ready within %v; the end of its log:\n%s", p.cmd.Path, timeout, p.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// exited reports whether the process has ended.
func (p *benchProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 10 s) and closes its
// log. It may be called more than once.
func (p *benchProcess) stop() {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	_ = p.log.Close()
}

// httpOK reports whether a GET of url answers 200.
func httpOK(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// logTail is the end of the process's log (the log is removed with the
// benchmark's temporary folder).
func (p *benchProcess) logTail() string {
	data, err := os.ReadFile(p.log.Name())
	if err != nil {
		return fmt.Sprintf("(read %s: %v)", p.log.Name(), err)
	}
	const max = 6000
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}
