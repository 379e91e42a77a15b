{{/* Chart name, truncated to the 63 characters of a label value. */}}
{{- define "actorwire.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource name: <release>-<chart> unless the release name already holds the chart name. */}}
{{- define "actorwire.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's resources (a worker or the dashboard); call with (dict "root" $ "component" "entities"). */}}
{{- define "actorwire.componentFullname" -}}
{{- printf "%s-%s" (include "actorwire.fullname" .root | trunc 52 | trimSuffix "-") .component -}}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "actorwire.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "actorwire.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: actorwire
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of one component's resources; call with (dict "root" $ "component" "entities"). */}}
{{- define "actorwire.componentLabels" -}}
{{ include "actorwire.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Selector labels of one component (immutable in a Deployment: never add to them). */}}
{{- define "actorwire.selectorLabels" -}}
app.kubernetes.io/name: {{ include "actorwire.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Annotations of every resource, as a block (empty when none). */}}
{{- define "actorwire.annotations" -}}
{{- with .Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Image reference of one component: registry/repository:tag, or @digest when a digest is set. */}}
{{- define "actorwire.image" -}}
{{- $image := mergeOverwrite (deepCopy .root.Values.image) (index .root.Values .component "image" | default dict) -}}
{{- $name := printf "%s/%s" $image.registry $image.repository | trimPrefix "/" -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $name $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $name ($image.tag | default .root.Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{/* Pull policy of one component's image. */}}
{{- define "actorwire.imagePullPolicy" -}}
{{- $image := mergeOverwrite (deepCopy .root.Values.image) (index .root.Values .component "image" | default dict) -}}
{{- $image.pullPolicy -}}
{{- end -}}

{{/* Name of the ServiceAccount the pods run as. */}}
{{- define "actorwire.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "actorwire.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the Service port of one component: the workers serve only probes and metrics, the dashboard its page too. */}}
{{- define "actorwire.servicePortName" -}}
{{- if eq .component "dashboard" }}http{{ else }}http-metrics{{ end -}}
{{- end -}}

{{/* Topic a worker consumes. */}}
{{- define "actorwire.sourceTopic" -}}
{{- if eq .component "entities" }}{{ .root.Values.topics.raw }}{{ else }}{{ .root.Values.topics.entities }}{{ end -}}
{{- end -}}

{{/* Whether the Kafka protocol uses SASL / TLS ("true" or empty). */}}
{{- define "actorwire.kafkaSasl" -}}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}true{{ end -}}
{{- end -}}
{{- define "actorwire.kafkaTls" -}}
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") }}true{{ end -}}
{{- end -}}

{{/* Directory where the TLS files of kafka.existingSecret are mounted. */}}
{{- define "actorwire.kafkaTlsDir" -}}/etc/actorwire/kafka-tls{{- end -}}

{{/*
Values that cannot be expressed in values.schema.json: fail with a message that says what to change.
*/}}
{{- define "actorwire.validate" -}}
{{- $partitions := int .Values.topics.partitions -}}
{{- range $worker := list "entities" "sentiment" -}}
{{- $w := index $.Values $worker -}}
{{- if $w.enabled -}}
{{- if and $w.autoscaling.hpa.enabled $w.autoscaling.keda.enabled -}}
{{- fail (printf "%s.autoscaling.hpa.enabled and %s.autoscaling.keda.enabled are mutually exclusive (both would scale the same Deployment): enable one of them" $worker $worker) -}}
{{- end -}}
{{- $max := int $w.replicaCount -}}
{{- $setting := "replicaCount" -}}
{{- if $w.autoscaling.hpa.enabled -}}{{- $max = int $w.autoscaling.hpa.maxReplicas -}}{{- $setting = "autoscaling.hpa.maxReplicas" -}}{{- end -}}
{{- if $w.autoscaling.keda.enabled -}}{{- $max = int $w.autoscaling.keda.maxReplicas -}}{{- $setting = "autoscaling.keda.maxReplicas" -}}{{- end -}}
{{- if gt $max $partitions -}}
{{- fail (printf "%s.%s is %d but the input topic has %d partitions (topics.partitions): a consumer group cannot use more replicas than partitions, the extra pods would idle and never be ready" $worker $setting $max $partitions) -}}
{{- end -}}
{{- if and $w.autoscaling.hpa.enabled (gt (int $w.autoscaling.hpa.minReplicas) (int $w.autoscaling.hpa.maxReplicas)) -}}
{{- fail (printf "%s.autoscaling.hpa.minReplicas must not exceed maxReplicas" $worker) -}}
{{- end -}}
{{- if and $w.autoscaling.keda.enabled (gt (int $w.autoscaling.keda.minReplicas) (int $w.autoscaling.keda.maxReplicas)) -}}
{{- fail (printf "%s.autoscaling.keda.minReplicas must not exceed maxReplicas" $worker) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (include "actorwire.kafkaSasl" .) (not .Values.kafka.existingSecret) -}}
{{- fail (printf "kafka.securityProtocol %s needs the SASL credentials: set kafka.existingSecret to a Secret holding the keys kafka.secretKeys.saslUsername and kafka.secretKeys.saslPassword" .Values.kafka.securityProtocol) -}}
{{- end -}}
{{- if and (or .Values.kafka.secretKeys.caCert .Values.kafka.secretKeys.clientCert .Values.kafka.secretKeys.clientKey) (not .Values.kafka.existingSecret) -}}
{{- fail "kafka.secretKeys.caCert/clientCert/clientKey name keys of kafka.existingSecret: set kafka.existingSecret" -}}
{{- end -}}
{{- if ne (empty .Values.kafka.secretKeys.clientCert) (empty .Values.kafka.secretKeys.clientKey) -}}
{{- fail "kafka.secretKeys.clientCert and kafka.secretKeys.clientKey go together (mutual TLS): set both or neither" -}}
{{- end -}}
{{- $ingress := .Values.dashboard.ingress -}}
{{- if and .Values.dashboard.enabled $ingress.enabled $ingress.tls.enabled (not $ingress.host) -}}
{{- fail "dashboard.ingress.tls.enabled needs dashboard.ingress.host: a certificate is for a host name" -}}
{{- end -}}
{{- $keda := .Values.entities.autoscaling.keda -}}
{{- if and $keda.enabled (eq (int $keda.minReplicas) 0) (eq .Values.embargo "hold") -}}
{{- fail "entities.autoscaling.keda.minReplicas 0 with embargo hold: the embargo releaser runs in the entity workers, so held items would wait until new input on news.raw brought a worker back; keep minReplicas at 1, or set embargo pass" -}}
{{- end -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int .Values.settings.shutdownTimeoutSeconds) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed settings.shutdownTimeoutSeconds (%d) plus the slowest article, or Kubernetes kills workers mid-batch" (int .Values.terminationGracePeriodSeconds) (int .Values.settings.shutdownTimeoutSeconds)) -}}
{{- end -}}
{{- end -}}
