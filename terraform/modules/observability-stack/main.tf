# The telemetry stack an environment's services report to, installed with Helm: kube-prometheus-stack
# (Prometheus, Alertmanager, Grafana, the operator that loads the kit's PrometheusRules, PodMonitor and
# AlertmanagerConfig) and Alloy (OTLP from the services, their stdout, Faro from the browser). The
# values are the files `npm run generate` writes into k8s/overlays/<environment>/ from the one source,
# the same ones k8s/README.md installs by hand; the chart versions and release names come from
# grafana/environments.yaml (via the environment's generated tfvars).

resource "helm_release" "kube_prometheus_stack" {
  name             = var.kube_prometheus_stack.release
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = var.kube_prometheus_stack.chart_version
  namespace        = var.kube_prometheus_stack.namespace
  create_namespace = true
  values           = [file("${var.values_dir}/kube-prometheus-stack.values.yaml")]
  atomic           = true
  timeout          = 900
}

resource "helm_release" "alloy" {
  name             = var.alloy.release
  repository       = "https://grafana.github.io/helm-charts"
  chart            = "alloy"
  version          = var.alloy.chart_version
  namespace        = var.alloy.namespace
  create_namespace = true
  values           = [file("${var.values_dir}/alloy.values.yaml")]
  atomic           = true

  # Alloy's scrape of its own metrics goes through the operator's CRDs, which the stack installs.
  depends_on = [helm_release.kube_prometheus_stack]
}
