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
