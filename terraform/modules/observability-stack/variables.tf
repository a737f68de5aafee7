variable "values_dir" {
  description = "The environment's overlay folder (k8s/overlays/<environment>), where the generated values files are."
  type        = string
}

variable "kube_prometheus_stack" {
  description = "Release name (its `release` label selects the kit's rules), chart version and namespace, from grafana/environments.yaml."
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "alloy" {
  description = "Release name (it names the Service the services send OTLP to), chart version and namespace."
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "loki" {
  description = "Loki's release name (it names the gateway Grafana and Alloy reach), chart version and namespace."
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "tempo" {
  description = "Tempo's release name (it names the distributor and query-frontend Services), chart version and namespace."
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "object_storage" {
  description = "The S3-compatible object storage Loki and Tempo keep their data in: the endpoint (host[:port], s3.<region>.amazonaws.com on AWS), region, path-style addressing (MinIO, Ceph) and three existing buckets."
  type = object({
    endpoint         = string
    region           = string
    force_path_style = optional(bool, false)
    buckets = object({
      loki_chunks = string
      loki_ruler  = string
      tempo       = string
    })
  })

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?$", var.object_storage.endpoint))
    error_message = "object_storage.endpoint is a host[:port] without a scheme, such as s3.eu-west-1.amazonaws.com or minio.storage:9000."
  }

  validation {
    condition     = length(distinct(values(var.object_storage.buckets))) == 3 && alltrue([for b in values(var.object_storage.buckets) : length(b) > 0])
    error_message = "object_storage.buckets names three different, existing buckets: loki_chunks, loki_ruler and tempo."
  }
}

variable "object_storage_credentials" {
  description = "An access key for the three buckets (TF_VAR_object_storage_credentials; never in a file)."
  type = object({
    access_key_id     = string
    secret_access_key = string
  })
  sensitive = true
  nullable  = false

  validation {
    # Over the values, not each attribute: a failed condition prints the attributes it names, secrets too.
    condition     = alltrue([for value in values(var.object_storage_credentials) : length(value) > 0])
    error_message = "object_storage_credentials needs both access_key_id and secret_access_key (the secrets OBJECT_STORAGE_CREDENTIALS of the environment: terraform/README.md)."
  }
}

variable "tempo_kafka_address" {
  description = "The Kafka brokers (host:port, comma-separated) Tempo 3.0's distributors write to and its block-builders and live-stores read; the kit does not run Kafka."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+:[0-9]+(,[a-z0-9.-]+:[0-9]+)*$", var.tempo_kafka_address))
    error_message = "tempo_kafka_address is host:port[,host:port…], such as kafka.kafka:9092."
  }
}
