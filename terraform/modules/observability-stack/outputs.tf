output "releases" {
  description = "The Helm releases installed, with their chart versions."
  value = {
    (helm_release.kube_prometheus_stack.name) = helm_release.kube_prometheus_stack.version
    (helm_release.alloy.name)                 = helm_release.alloy.version
  }
}
