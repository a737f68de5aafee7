# The Grafana side of the kit for a managed Grafana: one folder and every dashboard of
# grafana/dashboards (generated into ./dashboards by `npm run generate`), per environment.
#
# No contact points: alert rules run in Prometheus (PrometheusRule objects from k8s/) and Alertmanager
# routes them (each overlay's AlertmanagerConfig, with its receivers' secrets in the cluster). One
# routing system: Grafana contact points would only serve Grafana-managed rules, which the kit has none
# of, and their secrets would sit in Terraform state.

locals {
  dashboards = {
    for file in fileset("${path.module}/dashboards", "*.json") :
    file => jsondecode(file("${path.module}/dashboards/${file}"))
  }
}

# UIDs carry the environment: staging and production may share one Grafana, and neither's apply or
# destroy may touch the other's folder or dashboards.
resource "grafana_folder" "kit" {
  uid   = "telemetry-kit-${var.environment}"
  title = "Telemetry kit (${var.environment})"
}

resource "grafana_dashboard" "kit" {
  for_each = local.dashboards

  folder      = grafana_folder.kit.uid
  config_json = jsonencode(merge(each.value, { uid = "${each.value.uid}-${var.environment}" }))
  overwrite   = true

  lifecycle {
    precondition {
      condition     = length("${each.value.uid}-${var.environment}") <= 40
      error_message = "Grafana dashboard UIDs have at most 40 characters; ${each.value.uid}-${var.environment} has more: shorten the dashboard's uid in grafana/dashboards."
    }
  }
}
