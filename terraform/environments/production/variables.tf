variable "generated_by" {
  description = "Note carried by the generated environment.generated.auto.tfvars.json (JSON has no comments)."
  type        = string
  default     = ""
}

variable "environment" {
  type = string
}

variable "kube_prometheus_stack" {
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "alloy" {
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "loki" {
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "tempo" {
  type = object({
    release       = string
    chart_version = string
    namespace     = string
  })
}

variable "object_storage" {
  description = "Loki's and Tempo's object storage (modules/observability-stack): TF_VAR_object_storage."
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
}

variable "object_storage_credentials" {
  description = "Its access key: TF_VAR_object_storage_credentials, never in a file."
  type = object({
    access_key_id     = string
    secret_access_key = string
  })
  sensitive = true
}

variable "tempo_kafka_address" {
  description = "Tempo's Kafka brokers: TF_VAR_tempo_kafka_address."
  type        = string
}
