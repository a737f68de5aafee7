output "dashboard_uids" {
  description = "UIDs of the dashboards this module manages: grafana/dashboards' UIDs, suffixed with the environment."
  value       = sort([for dashboard in grafana_dashboard.kit : dashboard.uid])
}

output "folder_uid" {
  value = grafana_folder.kit.uid
}
