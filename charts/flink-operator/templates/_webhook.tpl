{{/* Flags, mounts and volumes the operator container gets when the webhook is on. The flag names are
those of cmd/flink-operator/webhook.go. */}}
{{- define "flink-operator.webhookCertDir" -}}/etc/flink-operator/webhook-certs{{- end -}}

{{- define "flink-operator.webhookArgs" -}}
- --webhook
- --webhook-port={{ .Values.webhook.port }}
- --webhook-namespace={{ .Release.Namespace }}
- --webhook-service={{ include "flink-operator.webhookServiceName" . }}
{{- if .Values.webhook.certManager.enabled }}
- --webhook-cert-dir={{ include "flink-operator.webhookCertDir" . }}
{{- else }}
- --webhook-cert-secret={{ include "flink-operator.webhookSecretName" . }}
- --webhook-configuration={{ include "flink-operator.clusterName" . }}
{{- if .Values.sessionJobs.enabled }}
- --webhook-mutating-configuration={{ include "flink-operator.clusterName" . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* One webhook entry for FlinkSessionJobs (sessionJobs.enabled), in the ValidatingWebhookConfiguration
and the MutatingWebhookConfiguration alike; root is the chart's context, name and path the webhook's
(package webhook, sessionjob.go). Settings as for FlinkDeployments, but for webhook.objectSelector:
that selects a shard's FlinkDeployments, while session jobs carry no shard label (they follow their
session), so every shard's release validates and labels every session job, the same way. */}}
{{- define "flink-operator.sessionJobWebhook" -}}
{{- $root := .root -}}
- name: {{ .name }}
  clientConfig:
    service:
      name: {{ include "flink-operator.webhookServiceName" $root }}
      namespace: {{ $root.Release.Namespace }}
      path: {{ .path }}
      port: 443
  rules:
    - operations: [CREATE, UPDATE]
      apiGroups: [flink.apache.org]
      apiVersions: [v1beta1]
      resources: [flinksessionjobs]
      scope: Namespaced
  failurePolicy: {{ $root.Values.webhook.failurePolicy }}
  matchPolicy: Equivalent
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: {{ $root.Values.webhook.timeoutSeconds }}
  {{- with $root.Values.watchNamespaces }}
  namespaceSelector:
    matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: In
        values:
          {{- toYaml . | nindent 10 }}
  {{- end }}
{{- end -}}

{{- define "flink-operator.webhookVolumeMounts" -}}
{{- if .Values.webhook.certManager.enabled }}
- name: webhook-certs
  mountPath: {{ include "flink-operator.webhookCertDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "flink-operator.webhookVolumes" -}}
{{- if .Values.webhook.certManager.enabled }}
- name: webhook-certs
  secret:
    secretName: {{ include "flink-operator.webhookSecretName" . }}
{{- end }}
{{- end -}}
