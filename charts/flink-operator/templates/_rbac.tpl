{{/* What the operator does in a namespace it watches (docs/rbac.md explains each rule). No rule
names a Secret: the operator never reads one, and nothing it renders contains one. */}}
{{- define "flink-operator.operatorRules" -}}
# FlinkDeployments: watch, add and remove the finalizer, write status.
- apiGroups: [flink.apache.org]
  resources: [flinkdeployments]
  verbs: [get, list, watch, update, patch]
- apiGroups: [flink.apache.org]
  resources: [flinkdeployments/status]
  verbs: [get, update, patch]
# Owner references with blockOwnerDeletion need this where OwnerReferencesPermissionEnforcement is on.
- apiGroups: [flink.apache.org]
  resources: [flinkdeployments/finalizers]
  verbs: [update]
{{- if .Values.sessionJobs.enabled }}
# FlinkSessionJobs (sessionJobs.enabled): watch, add and remove the finalizer with a patch, patch
# status. What the operator creates for a session job (the pod that fetches an s3 or gs jar) is
# owned without blockOwnerDeletion, so no flinksessionjobs/finalizers.
- apiGroups: [flink.apache.org]
  resources: [flinksessionjobs]
  verbs: [get, list, watch, patch]
- apiGroups: [flink.apache.org]
  resources: [flinksessionjobs/status]
  verbs: [patch]
# The pod that fetches a session job's s3:// or gs:// jar and uploads it to the session.
- apiGroups: [""]
  resources: [pods]
  verbs: [create, delete]
{{- end }}
# Rendered objects: server-side apply (create, patch), prune and cleanup (delete). ConfigMaps also
# cover Flink's HA ConfigMaps (read, trimmed with update for last-state restores, deleted on cleanup).
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [get, list, watch, create, patch, delete]
# JobManager pods, read only: failure detection (CrashLoopBackOff, image pull errors, OOMKilled).
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# Events on FlinkDeployments (the operator's recorder writes events.k8s.io/v1 events).
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}

{{/* What native-mode JobManagers (and their TaskManagers) need from the API server: create, watch and
delete TaskManager pods; Kubernetes HA leader election and metadata in ConfigMaps; read their own
Deployment to make it the owner of TaskManager pods. */}}
{{- define "flink-operator.jobRules" -}}
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get]
# TaskManager pods carry an owner reference with blockOwnerDeletion to the JobManager Deployment.
- apiGroups: [apps]
  resources: [deployments/finalizers]
  verbs: [update]
{{- end -}}
