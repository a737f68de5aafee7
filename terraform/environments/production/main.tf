# Identical in every environment (npm run parity checks it): what differs lives in
# environment.generated.auto.tfvars.json, generated from grafana/environments.yaml.

terraform {
  required_version = ">= 1.6"

  required_providers {
    grafana = {
      source  = "grafana/grafana"
      version = "~> 4.0"
    }
  }
}

# Configured from the environment: GRAFANA_URL and GRAFANA_AUTH.
provider "grafana" {}

module "grafana" {
  source = "../../modules/grafana"

  environment      = var.environment
  receivers        = var.receivers
  receiver_secrets = var.receiver_secrets
}
