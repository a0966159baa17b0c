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
