# The Grafana side of the kit for managed Grafana: one folder, every dashboard of grafana/dashboards
# (generated into ./dashboards by `npm run generate`), and a contact point per declared receiver.
# Alert rules run in Prometheus (PrometheusRule objects from k8s/), not as Grafana-managed rules.

resource "grafana_folder" "kit" {
  uid   = "telemetry-kit"
  title = "Telemetry kit"
}

resource "grafana_dashboard" "kit" {
  for_each = fileset("${path.module}/dashboards", "*.json")

  folder      = grafana_folder.kit.uid
  config_json = file("${path.module}/dashboards/${each.value}")
  overwrite   = true
}

# An `alertmanager-ui` receiver sends nothing, so it has no contact point.
resource "grafana_contact_point" "receiver" {
  for_each = { for receiver in var.receivers : receiver.name => receiver if receiver.kind != "alertmanager-ui" }

  name = "${var.environment}-${each.key}"

  dynamic "webhook" {
    for_each = each.value.kind == "webhook" ? [each.value] : []
    content {
      url = webhook.value.url
    }
  }

  dynamic "slack" {
    for_each = each.value.kind == "slack" ? [each.value] : []
    content {
      url       = var.receiver_secrets[each.key]
      recipient = slack.value.channel
    }
  }

  dynamic "pagerduty" {
    for_each = each.value.kind == "pagerduty" ? [each.value] : []
    content {
      integration_key = var.receiver_secrets[each.key]
    }
  }
}
