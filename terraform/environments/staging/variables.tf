variable "generated_by" {
  description = "Note carried by the generated environment.generated.auto.tfvars.json (JSON has no comments)."
  type        = string
  default     = ""
}

variable "environment" {
  type = string
}

variable "receivers" {
  type = list(object({
    name    = string
    kind    = string
    url     = optional(string)
    channel = optional(string)
  }))
}

variable "receiver_secrets" {
  description = "Set through TF_VAR_receiver_secrets in CI; never committed."
  type        = map(string)
  default     = {}
  sensitive   = true
}
