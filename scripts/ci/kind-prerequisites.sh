#!/usr/bin/env bash
# What k8s/README.md says a cluster must have, made up for a throw-away kind cluster:
# kube-prometheus-stack (its Prometheus answers the rollouts' analyses), Argo Rollouts, a PostgreSQL with
# the Secret holding its URL, the receivers' and the hosted model's Secrets (dummy values), and a
# ReadWriteMany volume for production's shared storage class.
# Usage: bash scripts/ci/kind-prerequisites.sh <env>
set -euo pipefail
env=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
setting() { node -e "const y=require('yaml');const s=y.parse(require('fs').readFileSync('$root/grafana/environments.yaml','utf8'));console.log($1)"; }
namespace=$(setting 's.kubernetes.namespace')
chart_version=$(setting 's.kubernetes.stackChartVersion')
stack_release=$(setting 's.kubernetes.stackRelease')
rollouts_version=$(setting 's.kubernetes.rollouts.version')
rollouts_namespace=$(setting 's.kubernetes.rollouts.controller.namespace')
secret=$(setting 's.kubernetes.database.managed.secret')
key=$(setting 's.kubernetes.database.managed.key')
storage_class=$(setting "s.environments['$env'].workloads.sharedStorageClass ?? ''")
postgres_image=${POSTGRES_IMAGE:-$(sed -n 's/^POSTGRES_IMAGE=//p' "$root/images.env")}

echo "::: kube-prometheus-stack $chart_version with the environment's values (Grafana off: nothing here reads it)"
# Its Prometheus answers the rollouts' analyses and scrapes the services through the kit's PodMonitor.
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null
helm upgrade --install "$stack_release" prometheus-community/kube-prometheus-stack --version "$chart_version" \
  --namespace monitoring --create-namespace --values "$root/k8s/overlays/$env/kube-prometheus-stack.values.yaml" \
  --set grafana.enabled=false --wait --timeout 10m

echo "::: Argo Rollouts $rollouts_version (controller and CRDs) and its kubectl plugin"
kubectl create namespace "$rollouts_namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply --server-side -n "$rollouts_namespace" \
  -f "https://github.com/argoproj/argo-rollouts/releases/download/v$rollouts_version/install.yaml"
kubectl -n "$rollouts_namespace" rollout status deployment/argo-rollouts --timeout=5m
if ! kubectl argo rollouts version >/dev/null 2>&1; then
  curl -fsSLo /tmp/kubectl-argo-rollouts \
    "https://github.com/argoproj/argo-rollouts/releases/download/v$rollouts_version/kubectl-argo-rollouts-linux-amd64"
  sudo install -m 0755 /tmp/kubectl-argo-rollouts /usr/local/bin/kubectl-argo-rollouts
fi

echo "::: PostgreSQL in namespace kit-database"
kubectl create namespace kit-database --dry-run=client -o yaml | kubectl apply -f -
kubectl -n kit-database create deployment postgres --image="$postgres_image" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n kit-database set env deployment/postgres POSTGRES_USER=kit POSTGRES_PASSWORD=kit-ci-only POSTGRES_DB=kit
kubectl -n kit-database expose deployment postgres --port 5432 --dry-run=client -o yaml | kubectl apply -f -
kubectl -n kit-database rollout status deployment/postgres --timeout=5m

echo "::: the Secrets of namespace $namespace"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic "$secret" \
  --from-literal="$key=postgres://kit:kit-ci-only@postgres.kit-database:5432/kit" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic alertmanager-receivers \
  --from-literal=team-slack=https://hooks.slack.invalid/ci --from-literal=oncall-pagerduty=ci-routing-key \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic llm-api --from-literal=api-key=ci-only --dry-run=client -o yaml | kubectl apply -f -

if [ -n "$storage_class" ]; then
  echo "::: a ReadWriteMany volume of class $storage_class (hostPath: kind has one node)"
  kubectl apply -f - <<PV
apiVersion: v1
kind: PersistentVolume
metadata: { name: kit-shared }
spec:
  storageClassName: $storage_class
  accessModes: [ReadWriteMany]
  capacity: { storage: 100Gi }
  hostPath: { path: /var/local/kit-shared, type: DirectoryOrCreate }
PV
fi
