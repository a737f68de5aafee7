variable "environment" {
  description = "Environment name (staging or production); prefixes contact point names."
  type        = string
}

variable "receivers" {
  description = "Alert receivers of this environment, from grafana/environments.yaml (via environment.generated.auto.tfvars.json)."
  type = list(object({
    name    = string
    kind    = string
    url     = optional(string)
    channel = optional(string)
  }))
}

variable "receiver_secrets" {
  description = "Webhook URL or integration key per receiver name (Slack, PagerDuty); never committed."
  type        = map(string)
  default     = {}
  sensitive   = true
}
