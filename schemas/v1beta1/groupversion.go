package v1beta1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of FlinkDeployment.
	GroupVersion = schema.GroupVersion{Group: "flink.apache.org", Version: "v1beta1"}

	// SchemeBuilder registers the API types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the API types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Kind names of the Apache operator's custom resources. Only FlinkDeployment
// is served by this operator; FlinkSessionJob has Go types and a CRD but no
// controller yet; the others are named so that decoders can say which kind
// is not supported instead of failing obscurely.
const (
	KindFlinkDeployment          = "FlinkDeployment"
	KindFlinkSessionJob          = "FlinkSessionJob"
	KindFlinkStateSnapshot       = "FlinkStateSnapshot"
	KindFlinkBlueGreenDeployment = "FlinkBlueGreenDeployment"
)

func init() {
	SchemeBuilder.Register(&FlinkDeployment{}, &FlinkDeploymentList{}, &FlinkSessionJob{}, &FlinkSessionJobList{})
}
