//go:build e2e && !realflink

package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// multiSessionResources are resources of the shape of the reference
// operator's multi-session-job e2e test, written for this suite: in each of
// two namespaces, a session cluster of the same name on Flink 1.16 with
// Kubernetes HA, its checkpoints, savepoints and HA data on a
// PersistentVolumeClaim that its pod template mounts, an nginx Ingress,
// and a savepoint-mode FlinkSessionJob of the same name whose jar is on
// Maven Central. What this shape tests that the examples do not: the same
// names in two namespaces, a session on a version that takes no job-level
// configuration with a run (before 1.17), and a session whose pods wait
// for a volume.
const multiSessionResources = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: session-cluster-1-pvc
spec:
  accessModes: [ReadWriteOnce]
  volumeMode: Filesystem
  resources:
    requests:
      storage: 1Gi
---
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: session-cluster-1
  labels:
    %[1]s: "%[2]s"
spec:
  image: flink:1.16
  flinkVersion: v1_16
  mode: native
  serviceAccount: flink
  ingress:
    template: "/{{namespace}}/{{name}}(/|$)(.*)"
    className: nginx
    annotations:
      nginx.ingress.kubernetes.io/rewrite-target: "/$2"
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
    high-availability: org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory
    high-availability.storageDir: file:///opt/flink/volume/flink-ha
    state.checkpoints.dir: file:///opt/flink/volume/flink-cp
    state.savepoints.dir: file:///opt/flink/volume/flink-sp
  podTemplate:
    apiVersion: v1
    kind: Pod
    metadata:
      name: pod-template
    spec:
      containers:
        - name: flink-main-container
          resources:
            requests:
              ephemeral-storage: 2048Mi
            limits:
              ephemeral-storage: 2048Mi
          volumeMounts:
            - mountPath: /opt/flink/volume
              name: flink-volume
      volumes:
        - name: flink-volume
          persistentVolumeClaim:
            claimName: session-cluster-1-pvc
  jobManager:
    resource:
      memory: 1024m
      cpu: 0.25
  taskManager:
    resource:
      memory: 1024m
      cpu: 0.25
---
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: flink-example-statemachine
spec:
  deploymentName: session-cluster-1
  job:
    jarURI: https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming_2.12/1.15.3/flink-examples-streaming_2.12-1.15.3.jar
    parallelism: 2
    upgradeMode: savepoint
    entryClass: org.apache.flink.streaming.examples.statemachine.StateMachineExample
`

// boundVolume is a PersistentVolume bound in advance to the claim of
// multiSessionResources in ns: the dev cluster has no provisioner, as a
// cluster without a default StorageClass has none.
const boundVolume = `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: %[1]s-pv
  labels:
    %[2]s: "%[3]s"
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  volumeMode: Filesystem
  persistentVolumeReclaimPolicy: Delete
  hostPath:
    path: /tmp/%[1]s
  claimRef:
    namespace: %[1]s
    name: session-cluster-1-pvc
`

// TestSessionsOfTheSameNameInTwoNamespaces applies multiSessionResources in
// two namespaces: both sessions become READY, each runs its own job, fetched
// through the operator's --artifact-mirror; a savepoint upgrade of one
// job leaves the other namespace's job of the same name running as it was;
// and deleting each namespace's session job, then its session, leaves the
// other alone.
func TestSessionsOfTheSameNameInTwoNamespaces(t *testing.T) {
	central := serveMavenCentralMirror(t)
	restartOperator(t, "--allow-http-artifacts", "--artifact-mirror", "https://repo1.maven.org/maven2/="+central.url+"/maven2/")
	t.Cleanup(func() { restartOperator(t) })
	const session, job = "session-cluster-1", "flink-example-statemachine"
	namespaces := []string{newNamespace(t, "multi-a"), newNamespace(t, "multi-b")}
	for _, ns := range namespaces {
		t.Cleanup(func() { _, _ = kubectl("", "delete", "flinksessionjobs", "--all", "-n", ns, "--timeout=60s") })
		mustKubectl(t, fmt.Sprintf(boundVolume, ns, runLabel, env.runID), "apply", "-f", "-")
		t.Cleanup(func() { _, _ = kubectl("", "delete", "persistentvolume", ns+"-pv", "--wait=false") })
		mustKubectl(t, fmt.Sprintf(multiSessionResources, runLabel, env.runID), "apply", "-n", ns, "-f", "-")
	}
	jobIDs := map[string]string{}
	for _, ns := range namespaces {
		waitReadyStable(t, ns, session, false)
		jobIDs[ns] = runningSessionJob(t, ns, session, job, deployTimeout)
		if out := mustKubectl(t, "", "get", "ingress", "-n", ns, "-o", "name"); !strings.Contains(out, session) {
			t.Errorf("%s: no Ingress of the session: %q", ns, out)
		}
	}
	if jobIDs[namespaces[0]] == jobIDs[namespaces[1]] {
		t.Fatalf("the two namespaces' jobs share the id %s", jobIDs[namespaces[0]])
	}

	// A savepoint upgrade in the first namespace only.
	a, b := namespaces[0], namespaces[1]
	mustKubectl(t, "", "patch", "flinksessionjob", job, "-n", a, "--type", "merge", "-p", `{"spec":{"job":{"parallelism":3}}}`)
	upgraded := runningSessionJob(t, a, session, job, upgradeTimeout, jobIDs[a])
	if from := restorePathOf(t, a, job); !strings.HasPrefix(from, "file:///opt/flink/volume/flink-sp") && !strings.HasPrefix(from, "file:/opt/flink/volume/flink-sp") {
		t.Errorf("%s: the upgraded job restores from %q, not a savepoint in state.savepoints.dir", a, from)
	}
	if still := runningSessionJob(t, b, session, job, deployTimeout); still != jobIDs[b] {
		t.Errorf("%s: its job changed from %s to %s when %s's job of the same name was upgraded", b, jobIDs[b], still, a)
	}
	jobs, err := jobsOnSession(b, session)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[jobIDs[b]] != "RUNNING" {
		t.Errorf("%s's session runs %v, want only job %s RUNNING", b, jobs, jobIDs[b])
	}
	t.Logf("%s: job %s upgraded to %s; %s: job %s untouched", a, jobIDs[a], upgraded, b, jobIDs[b])

	for _, ns := range namespaces {
		deleteSessionJob(t, ns, job)
		deleteAndVerify(t, ns, session)
	}
}
