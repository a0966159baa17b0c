package metrics

import "strings"

// pathParam describes a Flink REST collection: the segment after it is a
// path parameter (an id) unless it is one of the collection's own literal
// sub-paths (/jobs/overview, /jars/upload).
type pathParam struct {
	name     string
	literals []string
}

// pathParams are the collections of Flink's REST API whose next segment
// is an id (flink-facts.md, REST API).
var pathParams = map[string]pathParam{
	"jobs":               {":jobid", []string{"overview", "metrics"}},
	"savepoints":         {":triggerid", nil},
	"checkpoints":        {":triggerid", []string{"config", "details"}},
	"details":            {":checkpointid", nil},
	"jars":               {":jarid", []string{"upload"}},
	"taskmanagers":       {":taskmanagerid", []string{"metrics"}},
	"vertices":           {":vertexid", nil},
	"subtasks":           {":subtaskindex", []string{"metrics", "accumulators"}},
	"attempts":           {":attempt", nil},
	"savepoint-disposal": {":triggerid", nil},
	"rescaling":          {":triggerid", nil},
	"datasets":           {":datasetid", nil},
}

// leafWords are the other literal segments of Flink's REST paths. A
// segment that is neither a collection nor one of these becomes ":id", so
// the endpoint label can never take an unbounded set of values.
var leafWords = map[string]bool{
	"overview": true, "config": true, "stop": true, "exceptions": true, "upload": true, "run": true,
	"plan": true, "metrics": true, "accumulators": true, "status": true, "jobmanager": true,
	"cluster": true, "logs": true, "log": true, "stdout": true, "thread-dump": true,
	"dashboard-configuration": true, "backpressure": true, "watermarks": true, "flamegraph": true,
	"execution-result": true, "yarn-cancel": true, "yarn-stop": true, "resource-requirements": true,
	"environment": true, "subtasktimes": true, "delete": true,
}

// RESTEndpoint reduces a Flink REST request path to its endpoint template:
// /jobs/0a1b.../savepoints/7f3e... becomes /jobs/:jobid/savepoints/:triggerid.
// A query string, if any, is dropped.
func RESTEndpoint(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	segments := strings.Split(strings.Trim(path, "/"), "/")
	if len(segments) == 1 && segments[0] == "" {
		return "/"
	}
	out := make([]string, len(segments))
	prev := ""
	for i, seg := range segments {
		switch {
		case isParamPosition(prev, seg):
			out[i] = pathParams[prev].name
		case pathParams[seg].name != "" || leafWords[seg]:
			out[i] = seg
		default:
			out[i] = ":id"
		}
		prev = out[i]
	}
	return "/" + strings.Join(out, "/")
}

// isParamPosition says whether seg, following the (templated) segment
// prev, is an id of prev's collection.
func isParamPosition(prev, seg string) bool {
	p, ok := pathParams[prev]
	if !ok {
		return false
	}
	for _, lit := range p.literals {
		if seg == lit {
			return false
		}
	}
	return true
}
