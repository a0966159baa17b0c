package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The side-by-side benchmark counts every operator's API requests the same
// way: from the API server's audit log, by the user each operator
// authenticates as. Both operators use a bearer token from the API
// server's token file (the Apache operator's client cannot read envtest's
// EC client key), one user per operator.

// auditPolicy logs every request once, when its response is complete, at
// the Metadata level (no bodies): enough to count requests by user, verb
// and resource.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: Metadata
`

// apiServerAudit is the audit log and token file of one API server.
type apiServerAudit struct {
	logPath string
	tokens  map[string]string // user name -> token
}

// newAPIServerAudit writes an audit policy and a token file with one token
// per user (all in system:masters) into dir, and returns the kube-apiserver
// flags that use them.
func newAPIServerAudit(tb testing.TB, dir string, users ...string) (*apiServerAudit, map[string]string) {
	a := &apiServerAudit{logPath: filepath.Join(dir, "audit.log"), tokens: map[string]string{}}
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		tb.Fatalf("write the audit policy %s: %v", policy, err)
	}
	var lines strings.Builder
	for i, user := range users {
		token := fmt.Sprintf("bench-token-%d-%d", i, time.Now().UnixNano())
		a.tokens[user] = token
		fmt.Fprintf(&lines, "%s,%s,%s,\"system:masters\"\n", token, user, user)
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(lines.String()), 0o600); err != nil {
		tb.Fatalf("write the token file %s: %v", tokenFile, err)
	}
	return a, map[string]string{
		"audit-policy-file":   policy,
		"audit-log-path":      a.logPath,
		"audit-log-format":    "json",
		"audit-log-maxsize":   "0", // no rotation
		"token-auth-file":     tokenFile,
		"audit-log-compress":  "false",
		"audit-log-maxbackup": "0",
		"audit-log-maxage":    "0",
	}
}

// auditEvent is the part of an audit.k8s.io/v1 Event the benchmark reads.
type auditEvent struct {
	Verb      string                    `json:"verb"`
	User      struct{ Username string } `json:"user"`
	UserAgent string                    `json:"userAgent"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
	} `json:"objectRef"`
	RequestReceived time.Time `json:"requestReceivedTimestamp"`
}

// requestCounts are one user's requests in a time window, by
// "verb resource[/subresource]".
type requestCounts map[string]int

func (c requestCounts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// writes counts the requests that change objects.
func (c requestCounts) writes() int {
	n := 0
	for key, v := range c {
		switch strings.Fields(key)[0] {
		case "create", "update", "patch", "delete", "deletecollection":
			n += v
		}
	}
	return n
}

func (c requestCounts) String() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c[keys[i]] > c[keys[j]] || c[keys[i]] == c[keys[j]] && keys[i] < keys[j] })
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "    %6d %s\n", c[k], k)
	}
	return sb.String()
}

// writers reads the audit log and returns, per object of resource
// ("namespace/name") that one of users wrote (create, update, patch,
// delete, any subresource) in [from, to), the users who did.
func (a *apiServerAudit) writers(tb testing.TB, resource string, users []string, from, to time.Time) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	a.scan(tb, func(line []byte) bool {
		for _, u := range users {
			if strings.Contains(string(line), `"username":"`+u+`"`) {
				return true
			}
		}
		return false
	}, func(ev *auditEvent) {
		if !slices.Contains(users, ev.User.Username) || ev.RequestReceived.Before(from) || !ev.RequestReceived.Before(to) ||
			ev.ObjectRef == nil || ev.ObjectRef.Resource != resource || ev.ObjectRef.Name == "" {
			return
		}
		switch ev.Verb {
		case "create", "update", "patch", "delete":
		default:
			return
		}
		key := ev.ObjectRef.Namespace + "/" + ev.ObjectRef.Name
		if out[key] == nil {
			out[key] = map[string]bool{}
		}
		out[key][ev.User.Username] = true
	})
	return out
}

// count reads the audit log and counts the requests of user received in
// [from, to). The log is read whole each time: even at 1,000
// FlinkDeployments it stays within some hundred MiB.
func (a *apiServerAudit) count(tb testing.TB, user string, from, to time.Time) requestCounts {
	out := requestCounts{}
	a.scan(tb, func(line []byte) bool {
		return strings.Contains(string(line), `"username":"`+user+`"`)
	}, func(ev *auditEvent) {
		if ev.User.Username != user || ev.RequestReceived.Before(from) || !ev.RequestReceived.Before(to) {
			return
		}
		key := ev.Verb
		if ev.ObjectRef != nil {
			key += " " + ev.ObjectRef.Resource
			if ev.ObjectRef.Subresource != "" {
				key += "/" + ev.ObjectRef.Subresource
			}
		}
		out[key]++
	})
	return out
}

// scan decodes every audit event whose line keep passes (a cheap filter
// before decoding: most lines are someone else's) and hands it to each.
func (a *apiServerAudit) scan(tb testing.TB, keep func([]byte) bool, each func(*auditEvent)) {
	f, err := os.Open(a.logPath)
	if err != nil {
		tb.Fatalf("open the API server's audit log: %v", err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 16<<20)
	for scanner.Scan() {
		line := scanner.Bytes()
		if !keep(line) {
			continue
		}
		var ev auditEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			tb.Fatalf("decode an audit event in %s: %v", a.logPath, err)
		}
		each(&ev)
	}
	if err := scanner.Err(); err != nil {
		tb.Fatalf("read the API server's audit log %s: %v", a.logPath, err)
	}
}
