# Identical in every environment (npm run parity checks it): what differs lives in
# environment.generated.auto.tfvars.json, generated from grafana/environments.yaml, and in the backend
# configuration given at init (terraform/README.md): state is remote, never in the repository.

terraform {
  required_version = ">= 1.11"

  # Partial configuration: `terraform init -backend-config=<file>` names the bucket, key and region.
  backend "s3" {}

  required_providers {
    grafana = {
      source  = "grafana/grafana"
      version = "~> 4.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
  }
}

# Configured from the environment: GRAFANA_URL and GRAFANA_AUTH (sensitive, never in a file).
provider "grafana" {}

# Configured from the environment: KUBE_CONFIG_PATH (and KUBE_CTX) name the cluster.
provider "helm" {}

module "observability_stack" {
  source = "../../modules/observability-stack"

  values_dir            = "${path.root}/../../../k8s/overlays/${var.environment}"
  kube_prometheus_stack = var.kube_prometheus_stack
  alloy                 = var.alloy
  loki                  = var.loki
  tempo                 = var.tempo

  # Not in git: given at plan and apply (TF_VAR_*, from the environment's secrets: terraform/README.md).
  object_storage             = var.object_storage
  object_storage_credentials = var.object_storage_credentials
  tempo_kafka_address        = var.tempo_kafka_address
}

module "grafana" {
  source = "../../modules/grafana"

  environment = var.environment
}
