// Package flinkrest is a typed client for the Apache Flink JobManager REST
// API, covering the endpoints the operator needs to drive a job's lifecycle:
// version detection, job listing and details, cancellation, savepoints,
// stop-with-savepoint, checkpoint statistics and exception history.
//
// The request shapes differ between Flink releases (1.13 to 2.x), so every
// Client is bound to a Version and picks the shape that release accepts:
// Flink parses request bodies strictly and answers unknown fields with 400,
// so sending a newer field to an older JobManager is an error, not a no-op.
// Response bodies, on the other hand, are decoded leniently so that fields
// added by newer releases never break the operator.
package flinkrest
