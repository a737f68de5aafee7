#!/usr/bin/env bash
# What k8s/README.md says a cluster must have, made up for a throw-away kind cluster: the CRDs of
# kube-prometheus-stack, a PostgreSQL with the Secret holding its URL, the receivers' and the hosted
# model's Secrets (dummy values), and a ReadWriteMany volume for production's shared storage class.
# Usage: bash scripts/ci/kind-prerequisites.sh <env>
set -euo pipefail
env=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
setting() { node -e "const y=require('yaml');const s=y.parse(require('fs').readFileSync('$root/grafana/environments.yaml','utf8'));console.log($1)"; }
namespace=$(setting 's.kubernetes.namespace')
chart_version=$(setting 's.kubernetes.stackChartVersion')
secret=$(setting 's.kubernetes.database.managed.secret')
key=$(setting 's.kubernetes.database.managed.key')
storage_class=$(setting "s.environments['$env'].workloads.sharedStorageClass ?? ''")
postgres_image=${POSTGRES_IMAGE:-$(sed -n 's/^POSTGRES_IMAGE=//p' "$root/images.env")}

echo "::: prometheus-operator CRDs (kube-prometheus-stack $chart_version)"
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null
helm show crds prometheus-community/kube-prometheus-stack --version "$chart_version" | kubectl apply --server-side -f -

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
