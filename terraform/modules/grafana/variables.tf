variable "environment" {
  description = "The environment (staging or production): it scopes the folder's and the dashboards' UIDs."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment is staging or production (grafana/environments.yaml)."
  }
}
