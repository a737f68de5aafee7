output "dashboard_uids" {
  description = "UIDs of the dashboards this module manages; `npm run parity` lists the same ones."
  value       = sort([for dashboard in grafana_dashboard.kit : dashboard.uid])
}

output "folder_uid" {
  value = grafana_folder.kit.uid
}
