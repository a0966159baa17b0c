// Package resttls builds the TLS settings of the operator's Flink REST
// client from a FlinkDeployment's security.ssl.rest.* keys, as the
// reference operator does: its client is Flink's own RestClient, made from
// the deployment's configuration (AbstractFlinkService.getRestClient and
// getClusterClient in apache/flink-kubernetes-operator), so it reads the
// truststore and keystore at the paths that configuration names, from
// inside the operator's pod. The user mounts the same Secret into the
// operator and into Flink (docs/rest-tls.md).
//
// The files are read each time a client is made, so rotated certificates
// are picked up on the next reconcile; clients are shared by the content
// they were built from, in a bounded cache, never per FlinkDeployment.
package resttls
