package decode

import (
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Object decodes one FlinkDeployment that came from no file, such as the
// JSON object of an admission request, as strictly as File decodes files:
// unknown fields (typos inside pod templates, which the API server keeps)
// are errors naming the closest known field. Errors carry the field path
// and no file or line. The object is nil when it cannot be decoded at all
// or has a value of the wrong type.
func Object(data []byte) (*v1beta1.FlinkDeployment, []*Error) {
	docs, errs := File("", data)
	for _, e := range errs {
		e.File, e.Line = "", 0
	}
	if len(docs) != 1 {
		if len(errs) == 0 {
			errs = append(errs, &Error{Message: "expected exactly one FlinkDeployment object"})
		}
		return nil, errs
	}
	// A value of the wrong type was dropped from the object: without the
	// file's Reported to hide the checks that would call it missing, the
	// caller gets the type errors alone, every one of them.
	if len(docs[0].typeErrPaths) > 0 {
		return nil, errs
	}
	return docs[0].Object, errs
}

// SessionJobObject is Object for a FlinkSessionJob, such as one sent for
// admission: as strict, with errors naming the field path.
func SessionJobObject(data []byte) (*v1beta1.FlinkSessionJob, []*Error) {
	docs, errs := Resources("", data)
	for _, e := range errs {
		e.File, e.Line = "", 0
	}
	if len(docs) != 1 || (docs[0].SessionJob == nil && len(errs) == 0) {
		if len(errs) == 0 {
			errs = append(errs, &Error{Message: "expected exactly one FlinkSessionJob object"})
		}
		return nil, errs
	}
	if len(docs[0].typeErrPaths) > 0 {
		return nil, errs
	}
	return docs[0].SessionJob, errs
}
