package devjm

import (
	"encoding/json"
	"net/http"
)

// DebugPrefix is where the service's own endpoints live. No Flink cluster
// can be served there: namespaces cannot start with an underscore.
const DebugPrefix = "/_devjm/"

// Handler serves every JobManager's REST API under /<namespace>/<name>,
// plus DebugPrefix+"healthz" (readiness), DebugPrefix+"jobmanagers" (the
// running JobManagers as JSON, to see what each job restored from) and
// DebugPrefix+"ignored-fields" (IgnoredFields as JSON).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DebugPrefix+"healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET "+DebugPrefix+"jobmanagers", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s.JobManagers())
	})
	mux.HandleFunc("GET "+DebugPrefix+"ignored-fields", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.IgnoredFields())
	})
	mux.Handle("/", s.server)
	return mux
}
