{{/* The chart's name, or nameOverride. */}}
{{- define "takeover.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name, with the chart's name when it does not already hold it. */}}
{{- define "takeover.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "takeover.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "takeover.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "takeover.selectorLabels" -}}
app.kubernetes.io/name: {{ include "takeover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "takeover.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "takeover.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The HTTP port: the daemon's http.port setting, which the container, the probes and the Service all use. */}}
{{- define "takeover.httpPort" -}}
{{- dig "http" "port" 8080 .Values.config | int }}
{{- end }}

{{/*
The daemon's settings as rendered into the ConfigMap. Fails on a secret written as a value: the chart never holds
one (a ConfigMap is readable by anyone who may read the namespace's ConfigMaps).
*/}}
{{- define "takeover.config" -}}
{{- $c := .Values.config | default dict }}
{{- range $section, $key := dict "http" "apiToken" "slack" "signingSecret" }}
{{- if hasKey (get $c $section | default dict) $key }}
{{- fail (printf "config.%s.%s is a secret: give it as secrets.* (an existing Secret), not as a value" $section $key) }}
{{- end }}
{{- end }}
{{- if hasKey (get $c "slack" | default dict) "webhookUrl" }}
{{- fail "config.slack.webhookUrl is a secret: give it as secrets.slackWebhookUrl (an existing Secret), not as a value" }}
{{- end }}
{{- if hasKey (dig "deadNodes" "fencing" dict $c) "token" }}
{{- fail "config.deadNodes.fencing.token is a secret: give it as secrets.fencingToken (an existing Secret), not as a value" }}
{{- end }}
{{- range $property, $value := (dig "kafka" "properties" dict $c) }}
{{- if regexMatch "(?i)password|jaas|secret|token|credential" $property }}
{{- fail (printf "config.kafka.properties.%s is a secret: give it as secrets.kafka (an existing Secret), not as a value" $property) }}
{{- end }}
{{- end }}
{{- toYaml $c }}
{{- end }}

{{/* One env entry from an existing Secret, when its name is set. */}}
{{- define "takeover.secretEnv" -}}
{{- if .ref.name -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name }}
      key: {{ .ref.key }}
{{- end }}
{{- end }}
