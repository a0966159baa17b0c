{{- define "labels" -}}
app: {{ .Values.name }}
type: flink-native-kubernetes
app.kubernetes.io/managed-by: flink-operator
{{- end -}}
{{- define "selector" -}}
app: {{ .Values.name }}
component: jobmanager
type: flink-native-kubernetes
{{- end -}}
