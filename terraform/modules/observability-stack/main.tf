# The telemetry stack an environment's services report to, installed with Helm: kube-prometheus-stack
# (Prometheus, Alertmanager, Grafana, the operator that loads the kit's PrometheusRules, PodMonitor and
# AlertmanagerConfig), Alloy (OTLP from the services, their stdout, Faro from the browser), Loki and
# Tempo (both on object storage). The values are the files `npm run generate` writes into
# k8s/overlays/<environment>/ from the one source; the chart versions and release names come from
# grafana/environments.yaml (via the environment's generated tfvars). Only what must not be in git is
# added here: the buckets, their endpoint and credentials, and Tempo's Kafka.

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

# Loki: monolithic or simple-scalable as the environment declares, chunks and ruler data in the buckets.
resource "helm_release" "loki" {
  name             = var.loki.release
  repository       = "https://grafana-community.github.io/helm-charts"
  chart            = "loki"
  version          = var.loki.chart_version
  namespace        = var.loki.namespace
  create_namespace = true
  values = [
    file("${var.values_dir}/loki.values.yaml"),
    yamlencode({
      loki = {
        storage = {
          bucketNames = {
            chunks = var.object_storage.buckets.loki_chunks
            ruler  = var.object_storage.buckets.loki_ruler
          }
          s3 = {
            endpoint         = var.object_storage.endpoint
            region           = var.object_storage.region
            s3ForcePathStyle = var.object_storage.force_path_style
          }
        }
      }
    }),
  ]
  set_sensitive = [
    { name = "loki.storage.s3.accessKeyId", value = var.object_storage_credentials.access_key_id },
    { name = "loki.storage.s3.secretAccessKey", value = var.object_storage_credentials.secret_access_key },
  ]
  atomic  = true
  timeout = 900

  # Its ServiceMonitors and the dashboards' datasource come with the stack.
  depends_on = [helm_release.kube_prometheus_stack]
}

# Tempo 3.0 distributed: distributors write to Kafka, block-builders and live-stores read it, blocks in
# the bucket; the metrics-generator remote-writes span metrics to the stack's Prometheus.
resource "helm_release" "tempo" {
  name             = var.tempo.release
  repository       = "https://grafana-community.github.io/helm-charts"
  chart            = "tempo-distributed"
  version          = var.tempo.chart_version
  namespace        = var.tempo.namespace
  create_namespace = true
  values = [
    file("${var.values_dir}/tempo.values.yaml"),
    yamlencode({
      ingest = { kafka = { address = var.tempo_kafka_address } }
      storage = {
        trace = {
          backend = "s3"
          s3 = {
            bucket         = var.object_storage.buckets.tempo
            endpoint       = var.object_storage.endpoint
            region         = var.object_storage.region
            forcepathstyle = var.object_storage.force_path_style
          }
        }
      }
    }),
  ]
  set_sensitive = [
    { name = "storage.trace.s3.access_key", value = var.object_storage_credentials.access_key_id },
    { name = "storage.trace.s3.secret_key", value = var.object_storage_credentials.secret_access_key },
  ]
  atomic  = true
  timeout = 900

  depends_on = [helm_release.kube_prometheus_stack]
}
