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
