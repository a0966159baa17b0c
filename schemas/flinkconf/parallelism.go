package flinkconf

import "strconv"

// KeyParallelismOverrides sets the parallelism of single job vertices
// (vertex id: parallelism), the key the reference's autoscaler writes.
const KeyParallelismOverrides = "pipeline.jobvertex-parallelism-overrides"

// readMaxParallelismOverride is the highest parallelism the overrides ask
// for, 0 without any. The reference operator sizes a standalone cluster's
// TaskManagers from it (FlinkConfigBuilder.getParallelism), since a
// vertex above the job's parallelism needs slots too.
func readMaxParallelismOverride(r *reader, yamlFirst bool) int64 {
	v, ok := r.raw[KeyParallelismOverrides]
	if !ok || v == "" {
		return 0
	}
	entries, err := parseMapValue(v, yamlFirst)
	if err != nil {
		r.invalid(KeyParallelismOverrides, "must be vertex id:parallelism pairs, such as 0a448493b4782967b150582570326227:4,bc764cd8ddf7a0cff126f51c16239658:2: "+err.Error())
		return 0
	}
	var highest int64
	for _, e := range entries {
		n, err := strconv.ParseInt(javaTrim(e.value), 10, 32)
		if err != nil || n < 1 {
			r.invalid(KeyParallelismOverrides, "the parallelism of vertex "+e.key+" must be a whole number of at least 1")
			return 0
		}
		highest = max(highest, n)
	}
	return highest
}
