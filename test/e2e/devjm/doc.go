// Package devjm is the dev cluster's fake JobManager service: it plays every
// Flink cluster the operator deploys on a control plane whose pods are
// simulated (kwok), so nothing runs Flink.
//
// It watches JobManager pods. Each Ready JobManager pod is one JobManager
// process: when it appears, the service reads the configuration the
// operator rendered for it (ConfigMap flink-config-<name>, as the pod would
// mount it) and starts a fakejm.Cluster of the FlinkDeployment's version
// under http://<listen>/<namespace>/<name>. An application cluster starts its
// job the way Flink does: from the latest checkpoint in the Kubernetes HA
// metadata when there is one, else from the restore path in the
// configuration, else empty; the job reports where it restored from in
// GET /jobs/:jobid/checkpoints (latest.restored.external_path), as Flink
// does. While the job runs, it takes checkpoints at the configured interval
// and, with Kubernetes HA, records them in the HA ConfigMaps the way Flink
// lays them out. When the pod goes away, the cluster stops answering.
//
// Everything Flink-specific is the fakejm package's; this package only
// wires it to the Kubernetes objects.
package devjm
