variable "generated_by" {
  description = "Note carried by the generated environment.generated.auto.tfvars.json (JSON has no comments)."
  type        = string
  default     = ""
}

variable "environment" {
  type = string
}
