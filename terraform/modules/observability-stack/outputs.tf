output "releases" {
  description = "The Helm releases installed, with their chart versions."
  value = {
    (helm_release.kube_prometheus_stack.name) = helm_release.kube_prometheus_stack.version
    (helm_release.alloy.name)                 = helm_release.alloy.version
    (helm_release.loki.name)                  = helm_release.loki.version
    (helm_release.tempo.name)                 = helm_release.tempo.version
  }
}
