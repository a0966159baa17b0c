{{/* Names. Cluster-scoped objects carry the release namespace too, so that two releases of the same
name in different namespaces do not collide. */}}
{{- define "flink-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* fullnameOverride names every object outright; otherwise the release name, followed by the chart's
name (or nameOverride) unless the release name already contains it. */}}
{{- define "flink-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "flink-operator.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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
app.kubernetes.io/name: {{ include "flink-operator.name" . }}
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
{{- include "flink-operator.checkKubeVersion" . -}}
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

{{/* The chart needs Kubernetes 1.27 or later. Chart.yaml states no kubeVersion because Helm checks it
against its built-in default when there is no cluster (helm template without --kube-version), and
that default is v1.20.0 in a helm built without release ldflags (go install, as make helm does): the
plain offline command would fail. So the minimum is checked here, for every version but that exact
placeholder, which no supported cluster reports. */}}
{{- define "flink-operator.checkKubeVersion" -}}
{{- $v := .Capabilities.KubeVersion.Version -}}
{{- if and (ne $v "v1.20.0") (semverCompare "<1.27.0-0" $v) -}}
{{- fail (printf "Kubernetes %s: the flink-operator chart needs Kubernetes 1.27 or later (the CRD's validation rules)" $v) -}}
{{- end -}}
{{- end -}}
