package artifact

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Mirror is an artifact repository that serves what From serves, at To:
// Maven's <mirrorOf> for job jars. A cluster that cannot reach Maven
// Central (or should not) names its own repository manager once, in the
// operator's --artifact-mirror, and the reference's manifests, whose
// jarURIs point at repo1.maven.org, work unchanged.
type Mirror struct {
	// From and To are URI prefixes that end in "/", so a mirror replaces
	// whole path segments: https://repo1.maven.org/maven2/ does not match
	// https://repo1.maven.org/maven2-snapshots/.
	From, To string
}

// Mirrors are the operator's mirrors; the longest From that a URI starts
// with wins.
type Mirrors []Mirror

// ParseMirror reads FROM=TO, two URI prefixes of fetched schemes (https,
// http, s3, gs) with a host (or bucket), no credentials, no query or
// fragment, each ending in "/". Whether To's scheme is allowed is the
// caller's (the operator's --artifact-schemes and --allow-http-artifacts).
func ParseMirror(s string) (Mirror, error) {
	from, to, found := strings.Cut(s, "=")
	if !found {
		return Mirror{}, errors.New("want FROM=TO, two URI prefixes ending in /, for example https://repo1.maven.org/maven2/=https://nexus.example.com/repository/maven-central/")
	}
	m := Mirror{From: strings.TrimSpace(from), To: strings.TrimSpace(to)}
	for _, side := range []struct{ name, uri string }{{"FROM", m.From}, {"TO", m.To}} {
		if err := checkPrefix(side.uri); err != nil {
			return Mirror{}, fmt.Errorf("%s %s: %w", side.name, Redact(side.uri), err)
		}
	}
	if m.From == m.To {
		return Mirror{}, fmt.Errorf("FROM and TO are the same, %s", Redact(m.From))
	}
	return m, nil
}

func checkPrefix(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URI")
	case u.Scheme != SchemeHTTPS && u.Scheme != SchemeHTTP && u.Scheme != SchemeS3 && u.Scheme != SchemeGCS:
		return fmt.Errorf("the scheme must be one the operator fetches: %s, %s, %s or %s", SchemeHTTPS, SchemeHTTP, SchemeS3, SchemeGCS)
	case u.Host == "":
		return errors.New("needs a " + hostWord(u.Scheme))
	case u.User != nil:
		return errors.New("must not hold credentials (the fetcher's come from its environment or a Secret)")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return errors.New("must not have a query or fragment")
	case !strings.HasSuffix(raw, "/"):
		return errors.New("must end in /, so that it replaces whole path segments")
	}
	return nil
}

// Scheme is the scheme of To: what the operator fetches for a mirrored
// URI.
func (m Mirror) Scheme() string {
	scheme, _, _ := strings.Cut(m.To, ":")
	return scheme
}

// Rewrite returns uri with the longest matching From replaced by its To,
// and whether a mirror matched. The rest of the URI, checksum fragment
// included, is kept.
func (ms Mirrors) Rewrite(uri string) (string, bool) {
	best := -1
	for i, m := range ms {
		if strings.HasPrefix(uri, m.From) && (best < 0 || len(m.From) > len(ms[best].From)) {
			best = i
		}
	}
	if best < 0 {
		return uri, false
	}
	return ms[best].To + strings.TrimPrefix(uri, ms[best].From), true
}

// Strings are the mirrors as FROM=TO, sorted: the form of the flag, for
// logs and for digests that must not depend on the flags' order.
func (ms Mirrors) Strings() []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.From + "=" + m.To
	}
	sort.Strings(out)
	return out
}
