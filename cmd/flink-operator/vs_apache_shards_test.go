package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Two shards (issue 23): a fleet that outgrows one operator process is
// split by a label across processes, each started with --label-selector
// for its half and a leader election Lease of its own (README,
// "Operations"). The benchmark runs them side by side on the same N
// FlinkDeployments, labelled shard=a and shard=b in halves, and reports
// each shard as a column beside the single operator; each authenticates
// as its own user, so the audit log tells their requests apart and shows
// that no FlinkDeployment was written by both.

// shardLabel is the label the benchmark shards the fleet by.
const shardLabel = "shard"

var shardNames = []string{"a", "b"}

func shardUser(shard string) string { return "flink-operator-shard-" + shard }

// runShards runs this operator as two shards over n FlinkDeployments and
// returns one result per shard; both share the convergence time, which
// runs until the whole fleet has converged.
func (v *vsApache) runShards(tb testing.TB, vr variant, n, round int) []runResult {
	res := v.newRun(tb, vr, n, round)
	var procs []*benchProcess
	for _, shard := range shardNames {
		dir := filepath.Join(v.dir, fmt.Sprintf("%s-n%d-r%d-%s", vr.short, n, round, shard))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatalf("create %s: %v", dir, err)
		}
		p := v.startOurs(tb, shardUser(shard), dir, res.namespaces,
			"--label-selector", shardLabel+"="+shard,
			"--leader-elect", "--leader-election-namespace", "default",
			"--leader-election-id", fmt.Sprintf("flink-operator-n%d-r%d-%s", n, round, shard))
		defer p.stop()
		procs = append(procs, p)
	}
	for _, p := range procs {
		p.waitReady(tb, 3*time.Minute)
	}
	time.Sleep(5 * time.Second) // let start-up work (and the Lease) settle
	shards := make([]runResult, len(procs))
	for i, p := range procs {
		shards[i] = res
		shards[i].variant.name = fmt.Sprintf("shard %s of 2", shardNames[i])
		shards[i].idle = processSnapshot(tb, p.pid())
	}

	start := time.Now()
	v.createCRs(tb, res.namespaces, n, func(i int) map[string]string {
		return map[string]string{shardLabel: shardNames[i%len(shardNames)]}
	})
	created := time.Since(start)
	v.waitConverged(tb, procs, res.namespaces, n)
	convergedAt := time.Now()
	for i, p := range procs {
		shards[i].create, shards[i].converge = created, convergedAt.Sub(start)
		shards[i].converged = processSnapshot(tb, p.pid())
	}

	time.Sleep(2 * time.Second) // requests in flight at convergence
	steadyFrom := time.Now()
	time.Sleep(steadyWindow)
	steadyTo := time.Now()
	for i, p := range procs {
		shards[i].steady = processSnapshot(tb, p.pid())
		if p.exited() {
			tb.Fatalf("shard %s exited during the run; the end of its log:\n%s", shardNames[i], p.logTail())
		}
		p.stop()
		user := shardUser(shardNames[i])
		shards[i].convergeRequests = v.audit.count(tb, user, start, convergedAt)
		shards[i].steadyRequests = v.audit.count(tb, user, steadyFrom, steadyTo)
	}
	v.checkDisjointShards(tb, res.namespaces, n, start, steadyTo)
	return shards
}

// checkDisjointShards fails unless every FlinkDeployment in namespaces was
// written (finalizer, status) by exactly one shard, from the audit log.
func (v *vsApache) checkDisjointShards(tb testing.TB, namespaces []string, n int, from, to time.Time) {
	users := make([]string, len(shardNames))
	for i, s := range shardNames {
		users[i] = shardUser(s)
	}
	writers := v.audit.writers(tb, "flinkdeployments", users, from, to)
	inRun := map[string]bool{}
	for _, ns := range namespaces {
		inRun[ns] = true
	}
	var both []string
	perShard := map[string]int{}
	written := 0
	for obj, by := range writers {
		if !inRun[strings.SplitN(obj, "/", 2)[0]] {
			continue
		}
		written++
		if len(by) > 1 {
			both = append(both, obj)
		}
		for u := range by {
			perShard[u]++
		}
	}
	sort.Strings(both)
	fmt.Fprintf(os.Stderr, "shards at N=%d: FlinkDeployments written by %s: %d, by %s: %d, by both: %d\n",
		n, users[0], perShard[users[0]], users[1], perShard[users[1]], len(both))
	if len(both) > 0 {
		tb.Fatalf("%d FlinkDeployments were written by both shards, e.g. %s", len(both), both[0])
	}
	if written != n {
		tb.Fatalf("the shards wrote %d FlinkDeployments, want all %d", written, n)
	}
}
