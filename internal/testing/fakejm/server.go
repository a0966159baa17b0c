package fakejm

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// Server serves several clusters under path prefixes (e.g. /ns/name), the
// way a proxy in front of many JobManagers would. Requests outside every
// prefix get Flink's 404.
type Server struct {
	mu       sync.RWMutex
	clusters map[string]*Cluster
}

// NewServer returns a Server without clusters.
func NewServer() *Server { return &Server{clusters: map[string]*Cluster{}} }

// Add serves c under prefix, which must start with "/" and must not be
// already taken.
func (s *Server) Add(prefix string, c *Cluster) error {
	p := "/" + strings.Trim(prefix, "/")
	if p == "/" || !strings.HasPrefix(prefix, "/") {
		return fmt.Errorf("fakejm: prefix %q: want /<segment>[/...]", prefix)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.clusters[p]; taken {
		return fmt.Errorf("fakejm: prefix %s already serves a cluster", p)
	}
	s.clusters[p] = c
	return nil
}

// Remove stops serving prefix; its requests then get 404, as after the
// cluster was deleted.
func (s *Server) Remove(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clusters, "/"+strings.Trim(prefix, "/"))
}

// ServeHTTP routes by the longest matching prefix and strips it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	prefixes := make([]string, 0, len(s.clusters))
	for p := range s.clusters {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	var target *Cluster
	var prefix string
	for _, p := range prefixes {
		if r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/") {
			target, prefix = s.clusters[p], p
			break
		}
	}
	s.mu.RUnlock()
	if target == nil {
		writeJSON(w, errorResponse(http.StatusNotFound, "Not found: "+r.URL.Path))
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
	r2.URL.RawPath = ""
	target.ServeHTTP(w, r2)
}
