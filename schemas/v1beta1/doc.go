// Package v1beta1 holds the FlinkDeployment API, group flink.apache.org,
// version v1beta1. Field names and meanings follow the Apache Flink Kubernetes
// Operator so that manifests written for it work here unchanged.
//
// +kubebuilder:object:generate=true
// +groupName=flink.apache.org
package v1beta1
