{{/* Names. Cluster-scoped objects carry the release namespace too, so that two releases of the same
name in different namespaces do not collide. */}}
{{- define "flink-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flink-operator.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "flink-operator.fullname" .) -}}
{{- end -}}

{{- define "flink-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flink-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "flink-operator.webhookServiceName" -}}
{{- printf "%s-webhook" (include "flink-operator.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flink-operator.webhookSecretName" -}}
{{- printf "%s-webhook-cert" (include "flink-operator.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespaces the job service account and its Role go to. */}}
{{- define "flink-operator.jobNamespaces" -}}
{{- if .Values.watchNamespaces -}}
{{- toJson .Values.watchNamespaces -}}
{{- else -}}
{{- toJson (list .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{- define "flink-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The operator's --fetcher-image: fetcherImage, else fetcher.image, whose tag follows the
operator's (the fetcher's flags are the ones that operator version renders). */}}
{{- define "flink-operator.fetcherImage" -}}
{{- $f := .Values.fetcher.image -}}
{{- if .Values.fetcherImage -}}
{{- .Values.fetcherImage -}}
{{- else if $f.digest -}}
{{- printf "%s@%s" $f.repository $f.digest -}}
{{- else -}}
{{- printf "%s:%s" $f.repository (default (default .Chart.AppVersion .Values.image.tag) $f.tag) -}}
{{- end -}}
{{- end -}}

{{- define "flink-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flink-operator.labels" -}}
{{ include "flink-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Checks of value combinations the schema cannot express. */}}
{{- define "flink-operator.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) -}}
{{- fail (printf "replicas: %d replicas need leaderElection.enabled=true, or two operators would reconcile the same FlinkDeployments" (int .Values.replicas)) -}}
{{- end -}}
{{- if and .Values.webhook.certManager.issuerRef (not .Values.webhook.certManager.enabled) -}}
{{- fail "webhook.certManager.issuerRef is set but webhook.certManager.enabled is false" -}}
{{- end -}}
{{- range .Values.watchNamespaces -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .) -}}
{{- fail (printf "watchNamespaces: %q is not a namespace name (lower-case letters, digits and '-')" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
