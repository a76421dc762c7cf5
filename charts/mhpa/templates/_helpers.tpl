{{/*
Labels of every object: those config/default sets, and Helm's own.
*/}}
{{- define "mhpa.labels" -}}
app.kubernetes.io/name: mhpa-controller
{{ include "mhpa.commonLabels" . }}
{{- end }}

{{/*
Labels of every object, the CRD included: app.kubernetes.io/part-of, and Helm's own.
*/}}
{{- define "mhpa.commonLabels" -}}
app.kubernetes.io/part-of: mhpa
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The labels that select mhpa-controller's pods.
*/}}
{{- define "mhpa.selectorLabels" -}}
app.kubernetes.io/name: mhpa-controller
{{- end }}

{{/*
The image reference.
*/}}
{{- define "mhpa.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
